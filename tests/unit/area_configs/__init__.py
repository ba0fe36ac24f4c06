"""Config files per capability, and the problem helpers their tests share.

The field tests (`tests/unit/config`) and the rule tests (`tests/unit/validate`) build the same
model and project files and read problems the same way: one copy here serves both.
"""
