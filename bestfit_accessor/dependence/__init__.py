"""Dependence between columns: correlation, normal scores and the Gaussian copula.

``correlation``   distributed Pearson/Spearman passes and the normal-score pass
``normal_scores`` verified ``x ↔ z`` tables of a marginal (pure)
``mass_scores``   the same for count marginals and hurdle atoms: cell means, ppf (pure)
``latent``        the latent correlation behind scores with mass points (pure)
``linalg``        correlation-matrix validation, nearest correlation, Cholesky (pure)
``marginal``      one column's marginal and its validation (pure)
``sampling``      seeded chunk kernels (pure) and the Ray tasks that sample a frame
``fit_copula``    a copula's marginals from the fits, its correlation from the data
``model``         :class:`~.model.GaussianCopula`: the parts, JSON and seed-API names
"""
