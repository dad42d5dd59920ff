"""Activations of any module (convolutions, activations, BatchNorm), the neuron shape that maps
a column back to its channel and position, and errors that name the layer.

The models here are float64 with small integer weights and inputs: every sum is then exact
(integers far below 2**53), so any BLAS, kernel, batch size or thread count gives the same
bits, and comparing bit for bit is sound.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neuronboundary as nb


def integer_cnn() -> torch.nn.Sequential:
    """Conv2d(1, 3, 3) -> BatchNorm2d(3) -> ReLU -> Flatten -> Linear(3 * 4 * 4, 2), float64,
    integer weights; the BatchNorm's affine map is exact (variance + eps = 4: a division by
    2)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3),
        torch.nn.BatchNorm2d(3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(3 * 4 * 4, 2),
    ).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randint(-3, 4, p.shape))
        bn = model[1]
        bn.running_mean.copy_(torch.tensor([1.0, -2.0, 0.0]))
        bn.running_var.fill_(4.0 - bn.eps)
    return model


def images(n: int = 7) -> torch.Tensor:
    return torch.randint(0, 5, (n, 1, 6, 6), generator=torch.Generator().manual_seed(1)).double()


def forward_to(model: torch.nn.Sequential, index: int, x: torch.Tensor) -> torch.Tensor:
    """The model's first ``index + 1`` modules in eval mode (the model's mode is kept)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model[: index + 1](x)
    model.train(was_training)
    return out


@pytest.mark.parametrize(("layer", "index"), [("0", 0), ("1", 1), ("2", 2)])
def test_conv_batchnorm_relu_outputs_are_channels_times_positions(layer, index):
    model, x = integer_cnn(), images()
    expected = forward_to(model, index, x)  # (7, 3, 4, 4)
    acts = nb.collect_activations(model, layer, x, batch_size=3)
    assert acts.shape == (7, 3 * 4 * 4)
    np.testing.assert_array_equal(acts.numpy(), expected.reshape(7, -1).numpy())
    shaped = nb.collect_activations(model, layer, x, flatten=False)
    assert shaped.shape == (7, 3, 4, 4)
    stream = nb.iter_activations(model, layer, x, batch_size=4)
    assert stream.neuron_shape is None
    assert [b.shape[0] for b in stream] == [4, 3]
    assert stream.neuron_shape == (3, 4, 4)
    for i in (0, 17, 47):  # a column is a channel and a position
        c, h, w = np.unravel_index(i, stream.neuron_shape)
        np.testing.assert_array_equal(acts[:, i].numpy(), expected[:, c, h, w].numpy())
    assert model.training  # mode restored


def test_quantiles_of_a_conv_layer_record_its_neuron_shape():
    model, x = integer_cnn(), images(40)
    expected = np.quantile(
        forward_to(model, 0, x).reshape(40, -1).numpy(), 0.75, axis=0, method="inverted_cdf"
    )
    shaped = nb.collect_activations(model, "0", x, flatten=False)  # (40, 3, 4, 4)
    for result in (
        nb.quantile_thresholds(lambda: nb.iter_activations(model, "0", x, batch_size=8), 0.75),
        nb.quantile_thresholds(nb.iter_activations(model, "0", x, batch_size=8), 0.75),
        nb.quantile_thresholds(shaped, 0.75),
        nb.quantile_thresholds(shaped.numpy(), 0.75, method="sketch"),
    ):
        assert result.exact
        assert result.neuron_shape == (3, 4, 4)
        np.testing.assert_array_equal(result.values, expected)
        assert result.values.reshape(result.neuron_shape).shape == (3, 4, 4)
    plain = nb.quantile_thresholds(np.zeros((5, 4)), 0.5)
    assert plain.neuron_shape == (4,)


def test_inputs_of_a_linear_after_flatten_and_of_a_conv():
    model, x = integer_cnn(), images()
    got = nb.collect_activations(model, "4", x, inputs=True)  # what the head reads
    np.testing.assert_array_equal(got.numpy(), forward_to(model, 3, x).numpy())
    first = nb.collect_activations(model, "0", x, inputs=True)
    assert first.shape == (7, 36)
    np.testing.assert_array_equal(first.numpy(), x.reshape(7, -1).numpy())


def test_linear_keeps_tokens_as_samples():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    x = torch.zeros(2, 5, 4)  # (batch, tokens, features)
    stream = nb.iter_activations(model, "0", x)
    assert [tuple(b.shape) for b in stream] == [(10, 3)]
    assert stream.neuron_shape == (3,)
    assert nb.collect_activations(model, "1", x).shape == (2, 15)  # a ReLU: (5, 3) a sample


def test_integer_inputs_are_cast_to_the_model_dtype():
    model = integer_cnn()
    x = images()
    for data in (x.to(torch.uint8), x.long(), x.numpy().astype(np.int32)):
        got = nb.collect_activations(model, "0", data)
        assert got.dtype == torch.float64
        np.testing.assert_array_equal(got.numpy(), forward_to(model, 0, x).reshape(7, -1))
    mlp = torch.nn.Sequential(torch.nn.Linear(3, 2))
    assert nb.collect_activations(mlp, "0", [[1, 2, 3], [4, 5, 6]]).dtype == torch.float32


def test_token_ids_stay_integers_and_floats_are_refused_by_the_embedding():
    model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 2))
    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert nb.collect_activations(model, "1", ids).shape == (6, 2)
    with pytest.raises(TypeError, match=r"first layer '0' is nn.Embedding\(10, 4\).*integer"):
        nb.collect_activations(model, "1", ids.double())


def test_wrong_width_names_the_first_layer_and_the_width_it_expects():
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    with pytest.raises(ValueError, match=r"first layer '0' is nn.Linear\(in_features=4") as err:
        nb.collect_activations(model, "2", torch.zeros(10, 3))
    message = str(err.value)
    assert "width 4" in message
    assert "(10, 3)" in message
    assert "mat1" not in message
    cnn = integer_cnn()
    with pytest.raises(ValueError, match=r"first layer '0' is nn.Conv2d\(in_channels=1\)"):
        nb.collect_activations(cnn, "2", torch.zeros(2, 3, 6, 6))


def test_a_layer_of_another_dtype_is_named():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2).double())
    with pytest.raises(TypeError, match=r"layer '1' is nn.Linear with torch.float64 weights"):
        nb.collect_activations(model, "1", torch.zeros(2, 3))


def test_a_module_whose_output_is_not_a_tensor():
    class Pair(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(3, 2, batch_first=True)

        def forward(self, x):
            out, _ = self.lstm(x)
            return out

    with pytest.raises(TypeError, match=r"module 'lstm' \(LSTM\) returned a tuple"):
        nb.collect_activations(Pair(), "lstm", torch.zeros(2, 5, 3))
    stream = nb.iter_activations(Pair(), "lstm", torch.zeros(2, 5, 3), inputs=True)
    assert [tuple(b.shape) for b in stream] == [(2, 15)]


@pytest.mark.parametrize(
    "key",
    [1, np.int64(1), np.array(1), torch.tensor(1), torch.tensor(-1, dtype=torch.int32)],
    ids=repr,
)
def test_input_key_takes_integers_of_every_kind(key):
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    x = torch.arange(6.0).reshape(2, 3)
    batches = [(torch.zeros(2), x)]  # the input is the second element
    got = nb.collect_activations(model, "0", batches, input_key=key)
    expected = nb.collect_activations(model, "0", x)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_a_position_that_is_not_an_integer_is_refused():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    batches = [(torch.zeros(2, 3), torch.zeros(2))]
    for key in (torch.tensor(0.0), np.float64(1.0), True, torch.tensor([0])):
        with pytest.raises(TypeError, match="input_key for a tuple/list batch must be a position"):
            nb.collect_activations(model, "0", batches, input_key=key)


def test_devices_as_strings_or_torch_devices():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    x = torch.arange(6.0).reshape(2, 3)
    expected = nb.collect_activations(model, "0", x)
    for device in ("cpu", "cpu:0", torch.device("cpu"), torch.device("cpu", 0)):
        got = nb.collect_activations(model, "0", x, device=device)
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
    with pytest.raises(TypeError, match=r"device must be a torch.device .*got \['cpu'\]"):
        nb.iter_activations(model, "0", x, device=["cpu"])


def test_nothing_lingers_after_an_unfinished_iteration():
    model = integer_cnn()
    stream = nb.iter_activations(model, "1", images(), batch_size=2)
    next(stream)
    assert torch.is_grad_enabled()
    assert model.training
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda m, x: nb.collect_activations(m, "0", x, batch_size=np.float64(5.0)),
            TypeError,
            r"batch_size must be an integer; got 5\.0 \(float64\)",
        ),
        (
            lambda m, x: nb.collect_activations(m, "0", x, batch_size=np.int64(0)),
            ValueError,
            r"batch_size must be an integer >= 1; got 0\.",
        ),
        (
            lambda m, x: nb.collect_activations(m, "0", [(x,)], input_key=np.int64(3)),
            IndexError,
            r"input_key 3 is out of range",
        ),
        (
            lambda m, x: nb.quantile_thresholds(np.ones((3, 2)), 0.5, bins=np.int64(1000)),
            ValueError,
            r"got 1000\.",
        ),
        (lambda m, x: nb.StreamingQuantiles(k=np.int64(15)), ValueError, r"got 15\."),
    ],
)
def test_messages_print_plain_numbers(call, error, match):
    with pytest.raises(error, match=match) as err:
        call(integer_cnn(), images())
    assert "np." not in str(err.value)
