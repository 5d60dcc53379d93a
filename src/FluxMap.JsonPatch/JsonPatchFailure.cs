namespace FluxMap;

/// <summary>Why a JSON Patch could not be applied; see <see cref="JsonPatchFailedException.Failure"/>.</summary>
public enum JsonPatchFailure
{
    /// <summary>
    /// The patch itself is malformed: not JSON, duplicate member names, not an array of operations,
    /// an unknown <c>op</c>, a missing member, or a path that is not a JSON Pointer. Found before the
    /// database is touched.
    /// </summary>
    InvalidPatch,

    /// <summary>The stored value is not a JSON document (or has duplicate member names).</summary>
    InvalidDocument,

    /// <summary>A <c>test</c> operation found a different value, or none, at its path.</summary>
    TestFailed,

    /// <summary>An operation could not be applied to the document: its target or its parent does not exist, an array index is out of range, or a value would move into itself.</summary>
    OperationFailed,
}
