"""A silent HiGHS instance for the engines built on highspy (:mod:`analysis.locate.benders`,
:mod:`analysis.locate.milp`).

Examples
--------
>>> h = new_highs()
>>> h.getOptionValue("output_flag")[1]
False
"""

from __future__ import annotations

import os
import sys

import highspy

__all__ = ["new_highs"]

_banner_shown = False


def new_highs() -> highspy.Highs:
    """A HiGHS instance with its output off.

    The first instance a process makes prints HiGHS's banner on the C-level standard
    output before any option can be set; that once, the descriptor is pointed at the null
    device so that no caller's output (JSON on a CLI's stdout, say) is polluted.
    """
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
    h.setOptionValue("output_flag", False)
    return h
