# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt threads polled from Python: messages, exceptions out of poll(), the current thread."""
import threading

import pytest

import spdkrt


def test_messages_run_in_order_from_poll(thread):
    ran = []
    thread.send_msg(lambda: ran.append(1))
    thread.send_msg(lambda: ran.append(2))
    assert not ran
    thread.poll_until(lambda: len(ran) == 2)
    assert ran == [1, 2]


def test_message_from_another_os_thread(thread):
    ran = []
    sender = threading.Thread(target=lambda: thread.send_msg(lambda: ran.append("x")))
    sender.start()
    sender.join()
    thread.poll_until(lambda: ran)
    assert ran == ["x"]


class Boom(Exception):
    pass


def test_exception_in_a_message_comes_out_of_poll(thread):
    after = []

    def bad():
        raise Boom("from a message")

    thread.send_msg(bad)
    thread.send_msg(lambda: after.append(1))
    with pytest.raises(Boom):
        thread.poll_until(lambda: after)
    # The message after the failing one still ran, in the same poll.
    assert after == [1]
    thread.poll()  # nothing left to raise


def test_with_block_makes_the_thread_current(env):
    with spdkrt.Thread("outer") as outer:
        assert spdkrt.Thread.current() is outer
        with spdkrt.Thread("inner") as inner:
            assert spdkrt.Thread.current() is inner
            assert inner.name == "inner"
        assert spdkrt.Thread.current() is outer
    assert outer.handle is None


def test_timeout(thread):
    with pytest.raises(TimeoutError):
        thread.poll_until(lambda: False, timeout=0.05)
