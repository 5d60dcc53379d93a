namespace FluxMap.JsonPatch.Tests;

/// <summary>One example: a document and a patch, and either the patched document or why the patch fails.</summary>
internal sealed record AppendixCase(string Section, string Title, string Document, string Patch, string? Expected = null, JsonPatchFailure? Failure = null);
