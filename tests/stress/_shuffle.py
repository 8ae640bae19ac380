"""Run the stress suite in a shuffled order: ``python -m tests.stress._shuffle [SEED]``.

Classes are shuffled, then the tests inside each class (as pytest-randomly does), with the
seed printed first so a failing order can be replayed exactly.
"""

import os
import random
import sys
import unittest

SEED_LINE = "stress: shuffled order, seed {seed} (replay: python -m tests.stress._shuffle {seed})"


def shuffled_suite(seed):
    """The stress suite's tests, classes and tests within a class in ``seed``'s order."""
    from tests.stress import stress_suite

    loader = unittest.TestLoader()
    rng = random.Random(seed)
    classes = sorted(
        (cls for cls in vars(stress_suite).values() if isinstance(cls, type)),
        key=lambda cls: cls.__name__,
    )
    classes = [cls for cls in classes if loader.getTestCaseNames(cls)]
    rng.shuffle(classes)
    suite = unittest.TestSuite()
    for cls in classes:
        names = list(loader.getTestCaseNames(cls))
        rng.shuffle(names)
        suite.addTests(cls(name) for name in names)
    return suite


def main(argv):
    seed = int(argv[0]) if argv else random.SystemRandom().randrange(2**32)
    print(SEED_LINE.format(seed=seed), flush=True)
    os.environ.setdefault("STRESS_SEED", str(seed))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=1).run(shuffled_suite(seed))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
