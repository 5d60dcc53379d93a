using FluxMap.Replication;
using Microsoft.AspNetCore.Diagnostics;

namespace ReplicatedBank;

/// <summary>
/// Answers a write whose outcome the member could not learn (a follower lost the leader's answer)
/// with 504 and says so: the write may have committed, so unlike the transient 503 this is no
/// invitation to send it again before reading what happened.
/// </summary>
internal sealed class CommitOutcomeUnknownAnswer(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not CommitOutcomeUnknownException unknown)
        {
            return ValueTask.FromResult(false);
        }

        httpContext.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        return problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = unknown,
            ProblemDetails =
            {
                Status = StatusCodes.Status504GatewayTimeout,
                Title = "Outcome unknown: check before retrying",
                Detail = $"{unknown.Message} Read what it would have changed (GET /accounts/{{id}}?fresh=true) before sending it again.",
            },
        });
    }
}
