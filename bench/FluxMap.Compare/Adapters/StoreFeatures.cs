namespace FluxMap.Compare.Adapters;

/// <summary>What a store can do beyond point reads and writes; workloads that need more are skipped.</summary>
[Flags]
internal enum StoreFeatures
{
    /// <summary>Point reads and writes only.</summary>
    None = 0,

    /// <summary>Keys are ordered and a scan can start at any key.</summary>
    OrderedScan = 1,

    /// <summary>Several keys can be read and written atomically and in isolation.</summary>
    Transactions = 2,

    /// <summary>An in-memory collection the report uses as a ceiling, not a database a service would choose instead.</summary>
    InMemoryCeiling = 4,
}
