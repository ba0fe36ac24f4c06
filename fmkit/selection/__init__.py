"""Choosing a model: which card a deployment serves, shortlists across providers, ready-to-add configs.

Sits above config, catalog and estimate (it prices candidates with the same estimator as
`fmkit plan`) and below the rules and the CLI, which use it for the license rule, for
recommendations that lead to a configuration that validates, and for `fmkit models`.
"""
