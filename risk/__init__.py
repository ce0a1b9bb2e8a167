"""Risk domain: actuarial valuation, stress testing and C-ROSS solvency (issue 4)."""
