// The provincial aggregator (issue 3).
