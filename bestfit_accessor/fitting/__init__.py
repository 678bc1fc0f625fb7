"""Fitting one family to one column: pure numpy/scipy, no Ray.

``registry``       the candidate list (written out), exclusions, custom distributions
``scipy_adapter``  the one module that calls scipy's private distribution API
``likelihood``     a family against likelihood terms (exact values, bins, end terms)
``coordinates``    unbounded coordinates in which the likelihood's ridges are straight
``optimiser``      Levenberg–Marquardt ascent of any weighted set of terms
``starts``         starting points and the screening grid of shapes
``metrics``        AIC/BIC, KS, Anderson–Darling, SSE
``fit``            one fit: stages, exact scoring, the polish of a leader
``exact_pass``     a large column's exact log-likelihood, one block at a time
``tasks``          the fit functions as Ray tasks run them (custom names installed)
"""
