"""Checked weight loading (being written)."""

def load_weights_checked(model, path):
    raise NotImplementedError


def load_backbone_weights(backbone, path):
    raise NotImplementedError
