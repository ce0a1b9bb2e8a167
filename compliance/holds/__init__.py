"""Payout holds and account freezes (issue 5, AML-4), enforced where money leaves; real-time
scoring of one transaction before a payout; the retention schedule with legal hold."""
