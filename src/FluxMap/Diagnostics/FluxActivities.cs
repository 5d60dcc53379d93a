using System.Diagnostics;

namespace FluxMap.Diagnostics;

/// <summary>
/// The "FluxMap" activity source and every activity, event and tag name it uses: the one place that
/// names them, so a new operation adds its activity here. Each helper returns null, and
/// allocates nothing, while no listener samples the source; callers pass the activity on as is.
/// </summary>
internal static class FluxActivities
{
    internal const string SourceName = "FluxMap";

    internal const string Transaction = "fluxmap.transaction";
    internal const string Commit = "fluxmap.commit";
    internal const string Open = "fluxmap.open";
    internal const string Checkpoint = "fluxmap.checkpoint";
    internal const string Backup = "fluxmap.backup";

    internal const string BeginEvent = "fluxmap.transaction.begin";
    internal const string ConflictEvent = "fluxmap.transaction.conflict";

    /// <summary>The database's name, as the meter's measurements carry it.</summary>
    internal const string DatabaseTag = "fluxmap.database";
    internal const string AttemptTag = "fluxmap.transaction.attempt";
    internal const string AttemptsTag = "fluxmap.transaction.attempts";
    internal const string TransactionIdTag = "fluxmap.transaction.id";
    internal const string ReadOnlyTag = "fluxmap.transaction.read_only";
    internal const string ConflictReasonTag = "fluxmap.conflict.reason";
    internal const string ConflictingTransactionTag = "fluxmap.conflict.transaction_id";
    internal const string DurabilityTag = "fluxmap.durability";
    internal const string CheckpointLsnTag = "fluxmap.checkpoint.lsn";
    internal const string CheckpointFullTag = "fluxmap.checkpoint.full";
    internal const string BackupSnapshotTag = "fluxmap.backup.snapshot";
    internal const string BackupKeysTag = "fluxmap.backup.keys";

    internal static readonly ActivitySource Source = new(SourceName, typeof(FluxActivities).Assembly.GetName().Version?.ToString());

    /// <summary>Starts an internal activity tagged with the database's name; null while nobody listens.</summary>
    internal static Activity? Start(string name, string database)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DatabaseTag, database);
        }

        return activity;
    }

    /// <summary>Marks that a transaction attempt began.</summary>
    internal static void Began(Activity? activity, int attempt, long transactionId)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(BeginEvent, tags: new ActivityTagsCollection
            {
                [AttemptTag] = attempt,
                [TransactionIdTag] = transactionId,
            }));
        }
    }

    /// <summary>Marks that an attempt was rolled back by a serialization conflict (and will be retried unless it was the last).</summary>
    internal static void Conflicted(Activity? activity, int attempt, SerializationConflictException conflict)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(ConflictEvent, tags: new ActivityTagsCollection
            {
                [AttemptTag] = attempt,
                [TransactionIdTag] = conflict.TransactionId,
                [ConflictReasonTag] = conflict.Reason.ToString(),
                [ConflictingTransactionTag] = conflict.ConflictingTransactionId,
            }));
        }
    }

    /// <summary>Sets a tag when the activity records data; generic, so a value type is boxed only then.</summary>
    internal static void Tag<T>(Activity? activity, string name, T value)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(name, value);
        }
    }

    /// <summary>Sets the error status and records the exception, as OpenTelemetry's exception event.</summary>
    internal static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        if (activity.IsAllDataRequested)
        {
            if (exception is SerializationConflictException conflict)
            {
                activity.SetTag(ConflictReasonTag, conflict.Reason.ToString());
            }

            activity.AddException(exception);
        }
    }
}
