import numpy as np
import pytest

from ocr_core.training.losses import CraftLoss, craft_loss, craft_mse


def reference(y_true, y_pred, ratio=3.0, min_neg=500):
    """The CRAFT OHEM loss in plain numpy, per sample."""
    out = []
    for b in range(y_true.shape[0]):
        total = 0.0
        w = y_true[b, ..., 2].ravel() if y_true.shape[-1] == 3 else np.ones(y_true[b, ..., 0].size)
        for c in range(2):
            gt, pr = y_true[b, ..., c].ravel(), y_pred[b, ..., c].ravel()
            err = (pr - gt) ** 2 * w
            pos = (gt > 0.1) & (w > 0)
            neg = (gt <= 0.1) & (w > 0)
            pos_loss = err[pos].sum() / max(pos.sum(), 1)
            k = int(min(ratio * pos.sum() if pos.sum() else min_neg, neg.sum()))
            neg_loss = np.sort(err[neg])[::-1][:k].sum() / max(k, 1)
            total += pos_loss + neg_loss
        out.append(total)
    return np.array(out)


def test_ohem_loss_matches_numpy_reference():
    rng = np.random.default_rng(0)
    y_true = np.zeros((2, 16, 16, 3), np.float32)
    y_true[0, 4:8, 4:8, :2] = rng.uniform(0.2, 1.0, (4, 4, 2))
    y_true[..., 2] = 1.0
    y_true[1, :3, :, 2] = 0.0  # masked rows
    y_pred = rng.uniform(0, 1, (2, 16, 16, 2)).astype(np.float32)
    got = np.asarray(craft_loss(y_true, y_pred))
    np.testing.assert_allclose(got, reference(y_true, y_pred), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(craft_loss(y_true[..., :2], y_pred)),
                               reference(np.concatenate([y_true[..., :2], np.ones_like(y_true[..., :1])], -1), y_pred),
                               rtol=1e-5)


def test_loss_is_zero_for_perfect_prediction_and_ignores_masked_pixels():
    y_true = np.zeros((1, 8, 8, 3), np.float32)
    y_true[0, 2:4, 2:4, 0] = 1.0
    y_true[..., 2] = 1.0
    assert float(np.asarray(craft_loss(y_true, y_true[..., :2]))[0]) == pytest.approx(0.0)
    wrong = y_true[..., :2].copy()
    wrong[0, 6:, 6:, :] = 5.0  # large error, but only inside a masked area
    y_true[0, 6:, 6:, 2] = 0.0
    assert float(np.asarray(craft_loss(y_true, wrong))[0]) == pytest.approx(0.0)
    assert float(np.asarray(craft_mse(y_true, wrong))[0]) == pytest.approx(0.0)


def test_craft_loss_object_modes():
    y_true = np.zeros((2, 8, 8, 2), np.float32)
    y_pred = np.full((2, 8, 8, 2), 0.5, np.float32)
    assert float(CraftLoss(mode="mse")(y_true, y_pred)) == pytest.approx(0.25)
    assert float(CraftLoss()(y_true, y_pred)) == pytest.approx(0.5)  # 2 channels x top-k mean 0.25
    with pytest.raises(ValueError):
        CraftLoss(mode="l1")
