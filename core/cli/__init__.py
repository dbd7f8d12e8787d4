"""The command line, ``python -m core <command>``, one module per group of commands.

``options``  flags and steps every command shares (jobs, scheduler, dataset, levels, generator flags,
             loading a dataset, extracting its features and stopping when too much audio failed)
``data``     ``synth``, ``extract``, ``summary``, ``prepare``
``ablate``   ``ablate`` (one set, ``--data-seeds``, audio only per level without lyrics) and its report
``reports``  ``export``, ``indicators``, ``sweep``
``main``     the parser and :func:`main`; ``core/__main__.py`` only calls it

Every command returns an exit code: 0 on success, 1 when nothing usable remains or too much audio
failed, 2 on bad usage.
"""
