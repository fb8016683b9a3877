"""Decoding tfjs weight shards: base64 in a browserify wrapper, uint8 values back to back, q * scale + min."""

import base64

import numpy as np
import pytest
import torch

from pipeline.dreamer.standin_convert import check_shapes, decode_shard, dequantize
from pipeline.errors import UserError

ENTRIES = [
    {"name": "a/kernel", "shape": [2, 3], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.5,
                                                                             "min": -1.0}},
    {"name": "b/bias", "shape": [2], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.01,
                                                                        "min": 2.0}},
]  # fmt: skip
DATA = bytes([0, 1, 2, 3, 4, 255, 0, 100])


def test_values_are_dequantized_in_manifest_order():
    arrays = dequantize(ENTRIES, DATA)
    assert arrays["a/kernel"].dtype == np.float32
    np.testing.assert_array_equal(arrays["a/kernel"], [[-1.0, -0.5, 0.0], [0.5, 1.0, 126.5]])
    np.testing.assert_allclose(arrays["b/bias"], [2.0, 3.0], rtol=1e-7)


def test_an_unquantized_float32_weight_is_read_as_is():
    entry = {"name": "c", "shape": [2], "dtype": "float32"}
    np.testing.assert_array_equal(dequantize([entry], np.array([1.5, -2], "<f4").tobytes())["c"], [1.5, -2])


@pytest.mark.parametrize(
    "data, message", [(DATA[:-1], "end early"), (DATA + b"\0", "1 bytes more")], ids=["short", "long"]
)
def test_shards_that_do_not_fit_the_manifest_are_refused(data, message):
    with pytest.raises(UserError, match=message):
        dequantize(ENTRIES, data)


def test_an_unknown_quantization_is_refused():
    entry = {**ENTRIES[1], "quantization": {"dtype": "int4", "scale": 1, "min": 0}}
    with pytest.raises(UserError, match="unsupported weight type"):
        dequantize([entry], DATA[:2])


def test_a_shard_wrapper_decodes_to_its_bytes():
    wrapped = '!function(d){}({1:[function(d,h,Z){h.exports="' + base64.b64encode(DATA).decode() + '"},{}]})'
    assert decode_shard(wrapped, "group1-shard1of1") == DATA
    with pytest.raises(UserError, match="not base64"):
        decode_shard('{1:[function(d,h,Z){h.exports="not base64!"},{}]}', "group1-shard1of1")


def test_a_shape_mismatch_names_the_key_and_both_shapes():
    expected = {"conv.weight": torch.zeros(32, 3, 3, 3)}
    with pytest.raises(UserError, match=r"conv.weight is \(3, 3, 3, 32\), expected \(32, 3, 3, 3\)"):
        check_shapes({"conv.weight": torch.zeros(3, 3, 3, 32)}, expected, "Inception3")
    with pytest.raises(UserError, match=r"missing \['conv.weight'\], unexpected \['fc.weight'\]"):
        check_shapes({"fc.weight": torch.zeros(1)}, expected, "Inception3")
