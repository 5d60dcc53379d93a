namespace FluxMap.Transactions;

internal enum RecordStatus
{
    Active,
    Committed,
    Aborted,
}
