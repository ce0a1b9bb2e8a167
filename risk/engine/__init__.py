"""Pure computation for valuation, shocks, solvency and scenarios. NO Django import here:
takes arrays/frames, returns arrays/frames (architecture.md, "Layers")."""
