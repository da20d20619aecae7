"""The long crash-safety loops (``-m slow``): 100 SIGKILLs, 10 Ctrl-Cs (to the process group)
and 10 SIGINTs to the command alone, with the checks of
``tests/test_crash.py`` after every one (the full search-index comparison every fifth)."""

from __future__ import annotations

import signal

import pytest

from tests.test_crash import corpus, interrupt_imports  # noqa: F401  (corpus: the fixture)

pytestmark = pytest.mark.slow


def test_a_hundred_sigkills_lose_nothing(tmp_path, corpus, capsys):  # noqa: F811
    tally = interrupt_imports(
        tmp_path, corpus, sig=signal.SIGKILL, times=100, seed=100, round_size=10, deep_every=5
    )
    with capsys.disabled():
        print(
            f"\n{tally.line('SIGKILL x100')} (one full import: {corpus.full_import_seconds:.2f} s)"
        )
    assert tally.kills == 100
    assert tally.in_transaction >= 20


@pytest.mark.parametrize("to_group", [True, False], ids=["ctrl-c", "kill-INT"])
def test_ten_interrupts_exit_130_and_lose_nothing(tmp_path, corpus, capsys, to_group):  # noqa: F811
    tally = interrupt_imports(
        tmp_path,
        corpus,
        sig=signal.SIGINT,
        times=10,
        seed=1300 + to_group,
        round_size=5,
        deep_every=5,
        lock_every=3,
        to_group=to_group,
        prefill=1000,
    )
    with capsys.disabled():
        print(f"\n{tally.line('SIGINT x10')}; exit codes {dict(tally.outcomes)}")
    assert tally.kills == 10
