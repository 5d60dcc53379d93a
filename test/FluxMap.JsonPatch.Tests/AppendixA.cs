namespace FluxMap.JsonPatch.Tests;

/// <summary>The examples of RFC 6902 Appendix A, with the RFC's documents and patches as written there.</summary>
internal static class AppendixA
{
    public static readonly IReadOnlyList<AppendixCase> Cases =
    [
        new("A.1", "Adding an Object Member", """{ "foo": "bar"}""", """
            [
              { "op": "add", "path": "/baz", "value": "qux" }
            ]
            """, Expected: """{ "baz": "qux", "foo": "bar" }"""),
        new("A.2", "Adding an Array Element", """{ "foo": [ "bar", "baz" ] }""", """
            [
              { "op": "add", "path": "/foo/1", "value": "qux" }
            ]
            """, Expected: """{ "foo": [ "bar", "qux", "baz" ] }"""),
        new("A.3", "Removing an Object Member", """{ "baz": "qux", "foo": "bar" }""", """
            [
              { "op": "remove", "path": "/baz" }
            ]
            """, Expected: """{ "foo": "bar" }"""),
        new("A.4", "Removing an Array Element", """{ "foo": [ "bar", "qux", "baz" ] }""", """
            [
              { "op": "remove", "path": "/foo/1" }
            ]
            """, Expected: """{ "foo": [ "bar", "baz" ] }"""),
        new("A.5", "Replacing a Value", """{ "baz": "qux", "foo": "bar" }""", """
            [
              { "op": "replace", "path": "/baz", "value": "boo" }
            ]
            """, Expected: """{ "baz": "boo", "foo": "bar" }"""),
        new("A.6", "Moving a Value", """{ "foo": { "bar": "baz", "waldo": "fred" }, "qux": { "corge": "grault" } }""", """
            [
              { "op": "move", "from": "/foo/waldo", "path": "/qux/thud" }
            ]
            """, Expected: """{ "foo": { "bar": "baz" }, "qux": { "corge": "grault", "thud": "fred" } }"""),
        new("A.7", "Moving an Array Element", """{ "foo": [ "all", "grass", "cows", "eat" ] }""", """
            [
              { "op": "move", "from": "/foo/1", "path": "/foo/3" }
            ]
            """, Expected: """{ "foo": [ "all", "cows", "eat", "grass" ] }"""),

        // The RFC shows no result for a successful test: the document is unchanged.
        new("A.8", "Testing a Value: Success", """{ "baz": "qux", "foo": [ "a", 2, "c" ] }""", """
            [
              { "op": "test", "path": "/baz", "value": "qux" },
              { "op": "test", "path": "/foo/1", "value": 2 }
            ]
            """, Expected: """{ "baz": "qux", "foo": [ "a", 2, "c" ] }"""),
        new("A.9", "Testing a Value: Error", """{ "baz": "qux" }""", """
            [
              { "op": "test", "path": "/baz", "value": "bar" }
            ]
            """, Failure: JsonPatchFailure.TestFailed),
        new("A.10", "Adding a Nested Member Object", """{ "foo": "bar" }""", """
            [
              { "op": "add", "path": "/child", "value": { "grandchild": { } } }
            ]
            """, Expected: """{ "foo": "bar", "child": { "grandchild": { } } }"""),
        new("A.11", "Ignoring Unrecognized Elements", """{ "foo": "bar" }""", """
            [
              { "op": "add", "path": "/baz", "value": "qux", "xyz": 123 }
            ]
            """, Expected: """{ "foo": "bar", "baz": "qux" }"""),
        new("A.12", "Adding to a Nonexistent Target", """{ "foo": "bar" }""", """
            [
              { "op": "add", "path": "/baz/bat", "value": "qux" }
            ]
            """, Failure: JsonPatchFailure.OperationFailed),

        // The RFC gives no target document; A.12's stands in.
        new("A.13", "Invalid JSON Patch Document", """{ "foo": "bar" }""", """
            [
              { "op": "add", "path": "/baz", "value": "qux", "op": "remove" }
            ]
            """, Failure: JsonPatchFailure.InvalidPatch),
        new("A.14", "~ Escape Ordering", """{ "/": 9, "~1": 10 }""", """
            [
              {"op": "test", "path": "/~01", "value": 10}
            ]
            """, Expected: """{ "/": 9, "~1": 10 }"""),
        new("A.15", "Comparing Strings and Numbers", """{ "/": 9, "~1": 10 }""", """
            [
              {"op": "test", "path": "/~01", "value": "10"}
            ]
            """, Failure: JsonPatchFailure.TestFailed),
        new("A.16", "Adding an Array Value", """{ "foo": ["bar"] }""", """
            [
              { "op": "add", "path": "/foo/-", "value": ["abc", "def"] }
            ]
            """, Expected: """{ "foo": ["bar", ["abc", "def"]] }"""),
    ];

    public static AppendixCase Get(string section) => Cases.Single(c => c.Section == section);
}
