namespace FluxMap;

/// <summary>
/// A JSON Patch was not applied: the patch is invalid, the stored value is not JSON, a
/// <c>test</c> operation failed, or an operation had no target. Patches apply all or nothing, so
/// the stored value is unchanged. The message says which operation failed and why.
/// </summary>
public sealed class JsonPatchFailedException : FluxMapException
{
    internal JsonPatchFailedException(JsonPatchFailure failure, int? operationIndex, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        OperationIndex = operationIndex;
    }

    /// <summary>Gets why the patch failed.</summary>
    public JsonPatchFailure Failure { get; }

    /// <summary>Gets the zero-based position in the patch of the operation that failed, or null when the failure is not one operation's (malformed patch text, a stored value that is not JSON).</summary>
    public int? OperationIndex { get; }
}
