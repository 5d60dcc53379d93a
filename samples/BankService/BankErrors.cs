using System.Text.Json;
using FluxMap;

namespace BankService;

/// <summary>How the bank answers errors: problem details for every one, shared by this service and the replicated sample.</summary>
public static class BankErrors
{
    /// <summary>
    /// A body that does not bind (malformed JSON, 1.5 or a number out of range for a balance) is
    /// thrown as BadHttpRequestException rather than answered with an empty 400, so the answer can
    /// say what was wrong; a commit refused for a transient reason says why.
    /// </summary>
    public static IServiceCollection AddBankErrors(this IServiceCollection services)
    {
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (context.Exception is BadHttpRequestException badRequest)
            {
                context.ProblemDetails.Detail = badRequest.InnerException is JsonException json ? json.Message : badRequest.Message;
            }
            else if (context.Exception is FluxMapException { IsTransient: true } transient)
            {
                context.ProblemDetails.Title = "Not committed: retry";
                context.ProblemDetails.Detail = transient.Message;
            }
        });
    }

    /// <summary>A transfer that still conflicts after the automatic retries did not happen: the client is asked to retry (503).</summary>
    public static WebApplication UseBankErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException badRequest => badRequest.StatusCode,
                FluxMapException { IsTransient: true } => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });

        // The 4xx answers with no body of their own (no such route, wrong method or content type).
        app.UseStatusCodePages();
        return app;
    }
}
