"""The runner's event callback on its own: complete epochs are reported with their losses, cut-short ones are not."""

from ocr_core.training.callbacks import EventCallback, StopFlags


def test_a_complete_epoch_is_reported_with_its_losses():
    events = []
    flags = StopFlags()
    cb = EventCallback(events.append, steps_per_epoch=10, epochs=3, flags=flags)
    cb.on_epoch_begin(0)
    cb.on_epoch_end(0, {"loss": 2.0, "val_loss": 1.5})
    assert [(e.kind, e.epoch, e.step) for e in events] == [("epoch", 1, 10)]
    assert events[0].logs == {"loss": 2.0, "val_loss": 1.5}


def test_an_epoch_cut_short_by_a_cancel_is_reported_as_such():
    events = []
    flags = StopFlags(cancelled=True, epoch_dirty=True)  # what the guard sets on a cancel mid-validation
    cb = EventCallback(events.append, steps_per_epoch=10, epochs=3, initial_epoch=1, flags=flags)
    cb.on_epoch_begin(1)
    cb.on_epoch_end(1, {"loss": 2.0, "val_loss": 0.1})
    assert [(e.kind, e.epoch) for e in events] == [("log", 2)]
    assert "cut short" in events[0].message and "not checkpointed" in events[0].message
    assert events[0].logs == {}  # no partial validation loss to plot or print


def test_an_epoch_ended_by_a_nan_still_reports_its_losses():
    events = []
    flags = StopFlags(nan=True, epoch_dirty=True)
    cb = EventCallback(events.append, steps_per_epoch=4, flags=flags)
    cb.on_epoch_end(0, {"loss": float("nan")})
    assert [e.kind for e in events] == ["epoch"]  # the NaN is what the user must see
