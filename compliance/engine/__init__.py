"""Pure computation for AML: name screening, monitoring rules, scoring, ownership look-through.
NO Django import here: takes arrays/frames, returns arrays/frames."""
