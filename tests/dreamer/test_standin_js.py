"""The whitelist parser for minified JavaScript literals: data only, never code."""

import pytest

from pipeline.dreamer.standin_js import module_exports, parse_literal
from pipeline.errors import UserError


def test_bare_keys_booleans_and_short_numbers():
    text = '{a:1,b_2:!0,$c:!1,d:.5,e:-.25,f:1e-3,g:-2,h:null,"quoted key":3,7:true,i:false}'
    assert parse_literal(text) == {"a": 1, "b_2": True, "$c": False, "d": 0.5, "e": -0.25, "f": 1e-3,
                                   "g": -2, "h": None, "quoted key": 3, "7": True, "i": False}  # fmt: skip


def test_integers_stay_integers_and_floats_floats():
    assert [type(v) for v in parse_literal("[3,3.,3.0,.3,3e2]")] == [int, float, float, float, float]


def test_nested_arrays_objects_and_whitespace():
    text = " { layers : [ { shape : [ null , 299 , [ ] , { } ] } , [ [ 1 ] , [ 2 , 3 ] ] ] , } "
    assert parse_literal(text) == {"layers": [{"shape": [None, 299, [], {}]}, [[1], [2, 3]]]}


def test_strings_with_escaped_quotes_commas_and_brackets():
    text = r"""{a:"say \"hi\", {then} [go]",b:'it\'s',c:"back\\slash\/",d:"\u00e9\x41\n"}"""
    assert parse_literal(text) == {
        "a": 'say "hi", {then} [go]',
        "b": "it's",
        "c": "back\\slash/",
        "d": "éA\n",
    }


@pytest.mark.parametrize(
    "text",
    ["{a:foo}", "{a:f()}", "[1+2]", "{a:1 b:2}", '"open', "[1,2", "{a:1}}", "{a:window.x}", r'"\u12"', ""],
)
def test_anything_but_a_literal_is_one_line_refusal(text):
    with pytest.raises(UserError) as error:
        parse_literal(text, "probe")
    assert str(error.value).startswith("probe: ") and "\n" not in str(error.value)


def test_module_exports_reads_a_browserify_wrapper_without_running_it():
    wrapper = ('!function(d){module.exports=d()}(function(){return function d(h,Z,S){}({1:[function(d,h,Z)'
               '{h.exports={modelTopology:{x:[1,.5]},weightsManifest:[]}},{}]},{},[1])(1)});')  # fmt: skip
    assert module_exports(wrapper, "model.min.js") == {
        "modelTopology": {"x": [1, 0.5]},
        "weightsManifest": [],
    }


@pytest.mark.parametrize(
    "body",
    ["n.exports=foo()}", "n.exports={a:1};alert(1)}", "module.exports={a:1}}"],
    ids=["call", "more", "name"],
)
def test_module_exports_refuses_code_after_or_instead_of_the_literal(body):
    with pytest.raises(UserError, match="model.min.js: "):
        module_exports("{1:[function(a,n,i){" + body + ",{}]}", "model.min.js")
