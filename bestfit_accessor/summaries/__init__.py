"""Per-block summaries of columns and their merges: pure numpy, no Ray.

``moments``       counts, extremes, Chan/Pébay moments, the sample at chosen rows
``grid``          fine histograms on shared edges (linear, log or asinh core)
``point_masses``  a value holding a share of a column no density can describe
``comoments``     co-moment matrices and the rank histograms of Spearman
"""
