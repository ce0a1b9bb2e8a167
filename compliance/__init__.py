"""Compliance domain: anti-money-laundering (issue 5) and, later, the obligations register."""
