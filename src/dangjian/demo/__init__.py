"""The deterministic demo district behind ``dangjian demo``.

``plan`` decides the tree (pure Python), ``people`` draws the members, ``build`` writes both to
the database in one transaction. Same seed, same data: see :func:`dangjian.demo.build.build`.
"""
