"""Tools for developers, demos and measuring, apart from the product.

Demo seeding (``seed_demo``), load generation (``generate_load``), the benchmark (``bench``) and
the load test (``loadtest``). The local and test settings install this app; production's do not,
so none of these commands exists on a real server. It may import ``units``, ``tasks`` and
``reports``; nothing there imports it.
"""
