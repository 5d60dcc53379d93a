using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// What is stored is what was committed: keys and values are encoded on the committing caller,
/// so a value that cannot be written fails its own call and nothing else, and committed data
/// changes only through commits, never by changing an object that was written or read.
/// </summary>
public sealed class StoredValueTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private FluxMapOptions Options(DurabilityMode mode) =>
        new() { Durability = mode, DataDirectory = mode == DurabilityMode.InMemory ? null : _dir.Path, RetryBaseDelay = TimeSpan.Zero };

    private Task<FluxDatabase<string, TValue>> OpenAsync<TValue>(DurabilityMode mode) =>
        FluxDatabase.OpenAsync<string, TValue>(Options(mode), Ct).AsTask();

    [Theory]
    [InlineData(DurabilityMode.Relaxed)]
    [InlineData(DurabilityMode.Full)]
    public async Task A_value_with_a_member_the_codec_cannot_write_fails_only_its_own_call(DurabilityMode mode)
    {
        await using (var db = await OpenAsync<Mail>(mode))
        {
            var handle = db.CreateHandle();
            await handle.InsertAsync("before", new Mail { Title = "kept" }, Ct);

            var bad = new Mail { Title = "bad", Attachment = new MemoryStream([1, 2]) };
            var autocommit = await Assert.ThrowsAsync<ArgumentException>(async () => await handle.InsertAsync("bad", bad, Ct));
            Assert.Contains("Mail.Attachment", autocommit.Message, StringComparison.Ordinal);
            Assert.Contains("Nothing was written", autocommit.Message, StringComparison.Ordinal);
            Assert.Equal("value", autocommit.ParamName);

            // In a transaction the write itself fails; the transaction goes on and commits the rest.
            await handle.TransactionAsync(async (tx, ct) =>
            {
                await tx.InsertAsync("in-tx", new Mail { Title = "tx" }, ct);
                var inTx = await Assert.ThrowsAsync<ArgumentException>(async () => await tx.InsertAsync("bad", bad, ct));
                Assert.Contains("Attachment", inTx.Message, StringComparison.Ordinal);
                Assert.Equal("value", inTx.ParamName);
            }, Ct);

            await handle.InsertAsync("after", new Mail { Title = "also kept" }, Ct);
            Assert.False(await handle.ContainsKeyAsync("bad", Ct));
            await db.FlushAsync(Ct);
        }

        await using var reopened = await OpenAsync<Mail>(mode);
        var content = await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync();
        Assert.Equal(["after", "before", "in-tx"], content.Select(p => p.Key));
        Assert.Equal(["also kept", "kept", "tx"], content.Select(p => p.Value.Title));
    }

    [Theory]
    [InlineData(DurabilityMode.InMemory)]
    [InlineData(DurabilityMode.Relaxed)]
    [InlineData(DurabilityMode.Full)]
    public async Task A_value_that_refers_to_itself_throws_and_the_process_lives_on(DurabilityMode mode)
    {
        await using var db = await OpenAsync<Node>(mode);
        var handle = db.CreateHandle();
        var cycle = new Node { Name = "loop" };
        cycle.Next = cycle;

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await handle.InsertAsync("cycle", cycle, Ct));
        Assert.Contains("refers to itself", error.Message, StringComparison.Ordinal);
        Assert.Contains("Node.Next", error.Message, StringComparison.Ordinal);

        var inTx = await Assert.ThrowsAsync<ArgumentException>(async () => await handle.TransactionAsync((tx, ct) => tx.InsertAsync("cycle", cycle, ct), Ct));
        Assert.Contains("refers to itself", inTx.Message, StringComparison.Ordinal);

        await handle.InsertAsync("chain", new Node { Name = "a", Next = new Node { Name = "b" } }, Ct);
        Assert.Equal("b", (await handle.GetAsync("chain", Ct)).Value.Next!.Name);
        Assert.False(await handle.ContainsKeyAsync("cycle", Ct));
    }

    [Theory]
    [InlineData(DurabilityMode.InMemory)]
    [InlineData(DurabilityMode.Full)]
    public async Task Changing_an_object_after_writing_or_reading_it_changes_nothing_stored(DurabilityMode mode)
    {
        await using (var db = await OpenAsync<Document>(mode))
        {
            var handle = db.CreateHandle();
            var written = new Document { Title = "original", Tags = ["a"] };
            await handle.InsertAsync("doc", written, Ct);
            written.Title = "changed after insert";
            written.Tags.Add("b");
            var expiring = new Document { Title = "expiring", Tags = ["e"] };
            await handle.InsertAsync("doc-ttl", expiring, TimeSpan.FromDays(1), Ct);
            expiring.Title = "changed after insert";

            var read = (await handle.GetAsync("doc", Ct)).Value;
            read.Title = "changed after read";

            await handle.TransactionAsync(async (tx, ct) =>
            {
                var inTx = new Document { Title = "tx", Tags = ["t"] };
                await tx.InsertAsync("tx-doc", inTx, ct);
                inTx.Title = "changed before commit";
                (await tx.GetAsync("doc", ct)).Value.Tags.Add("changed in a transaction");
            }, Ct);

            await foreach (var (_, value) in handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct))
            {
                value.Title = "changed while scanning";
            }

            await AssertStoredAsync(handle);
        }

        if (mode != DurabilityMode.InMemory)
        {
            await using var reopened = await OpenAsync<Document>(mode);
            await AssertStoredAsync(reopened.CreateHandle());
        }

        static async Task AssertStoredAsync(FluxHandle<string, Document> handle)
        {
            var doc = (await handle.GetAsync("doc", Ct)).Value;
            Assert.Equal("original", doc.Title);
            Assert.Equal(["a"], doc.Tags);
            Assert.Equal("tx", (await handle.GetAsync("tx-doc", Ct)).Value.Title);
            Assert.Equal("expiring", (await handle.GetAsync("doc-ttl", Ct)).Value.Title);
        }
    }

    [Fact]
    public async Task Byte_array_keys_and_values_are_copied_in_and_out()
    {
        await using var db = await FluxDatabase.OpenAsync<byte[], byte[]>(Options(DurabilityMode.Full), Ct);
        var handle = db.CreateHandle();
        byte[] key = [1, 2, 3];
        byte[] value = [9, 9];
        await handle.InsertAsync(key, value, Ct);
        key[0] = 0;
        value[0] = 0;

        var read = (await handle.GetAsync([1, 2, 3], Ct)).Value;
        Assert.Equal([9, 9], read);
        read[1] = 0;
        await foreach (var (scannedKey, scannedValue) in handle.ScanAsync(KeyRange<byte[]>.All, cancellationToken: Ct))
        {
            scannedKey[0] = 7;
            scannedValue[0] = 7;
        }

        var all = await handle.ScanAsync(KeyRange<byte[]>.All, cancellationToken: Ct).ToListAsync();
        var only = Assert.Single(all);
        Assert.Equal([1, 2, 3], only.Key);
        Assert.Equal([9, 9], only.Value);
    }

    [Fact]
    public async Task With_AssumeImmutableValues_the_callers_instance_is_stored()
    {
        var options = Options(DurabilityMode.InMemory);
        options.AssumeImmutableValues = true;
        await using var db = await FluxDatabase.OpenAsync<string, Document>(options, Ct);
        var handle = db.CreateHandle();
        var written = new Document { Title = "shared" };
        await handle.InsertAsync("doc", written, Ct);

        Assert.Same(written, (await handle.GetAsync("doc", Ct)).Value);
    }

    [Fact]
    public async Task A_byte_array_key_changed_after_a_transaction_wrote_it_leaves_the_stored_key_as_written()
    {
        await using var db = await FluxDatabase.OpenAsync<byte[], string>(Options(DurabilityMode.InMemory), Ct);
        var handle = db.CreateHandle();
        byte[] before = [1, 2, 3];
        byte[] after = [4, 5, 6];
        await using (var tx = handle.BeginTransaction())
        {
            await tx.InsertAsync(before, "staged", Ct);
            before[0] = 9;
            Assert.Equal("staged", (await tx.GetAsync([1, 2, 3], Ct)).Value);
            await tx.InsertAsync(after, "committed", Ct);
            await tx.CommitAsync(Ct);
        }

        after[0] = 9;
        Assert.Equal("staged", (await handle.GetAsync([1, 2, 3], Ct)).Value);
        Assert.Equal("committed", (await handle.GetAsync([4, 5, 6], Ct)).Value);
        Assert.False(await handle.ContainsKeyAsync([9, 2, 3], Ct));
        Assert.False(await handle.ContainsKeyAsync([9, 5, 6], Ct));
    }

    [Theory]
    [InlineData(ScanDirection.Forward)]
    [InlineData(ScanDirection.Reverse)]
    public async Task A_scan_bound_array_reused_after_the_scan_stopped_early_still_counts_as_read(ScanDirection direction)
    {
        await using var db = await FluxDatabase.OpenAsync<byte[], string>(Options(DurabilityMode.InMemory), Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync([1], "one", Ct);
        await handle.InsertAsync([2], "two", Ct);
        byte[] bound = direction == ScanDirection.Forward ? [1] : [2];
        var range = direction == ScanDirection.Forward ? KeyRange<byte[]>.AtLeast(bound) : KeyRange<byte[]>.AtMost(bound);
        await using var scanner = handle.BeginTransaction();
        await using var writer = handle.BeginTransaction();
        await foreach (var (key, _) in scanner.ScanAsync(range, direction, Ct))
        {
            Assert.Equal(bound, key);
            break;
        }

        // The caller reuses its buffer: the range it read must stay as it was when read.
        bound[0] = direction == ScanDirection.Forward ? (byte)9 : (byte)0;

        // Write skew: each transaction writes what the other read.
        Assert.False((await writer.GetAsync([3], Ct)).HasValue);
        await writer.InsertAsync(direction == ScanDirection.Forward ? [1] : [2], "changed", Ct);
        await writer.CommitAsync(Ct);
        await scanner.InsertAsync([3], "skewed", Ct);

        await Assert.ThrowsAsync<SerializationConflictException>(async () => await scanner.CommitAsync(Ct));
        Assert.False(await handle.ContainsKeyAsync([3], Ct));
    }

    [Fact]
    public async Task With_AssumeImmutableKeys_a_scan_hands_back_the_stored_key_array()
    {
        var options = Options(DurabilityMode.InMemory);
        options.AssumeImmutableKeys = true;
        await using var db = await FluxDatabase.OpenAsync<byte[], string>(options, Ct);
        var handle = db.CreateHandle();
        byte[] key = [1, 2, 3];
        await handle.InsertAsync(key, "v", Ct);

        var scanned = Assert.Single(await handle.ScanAsync(KeyRange<byte[]>.All, cancellationToken: Ct).ToListAsync());
        Assert.Same(key, scanned.Key);
        Assert.Same(key, Assert.Single(await handle.ScanAsync(KeyRange<byte[]>.All, cancellationToken: Ct).ToListAsync()).Key);
    }

    [Fact]
    public async Task Without_AssumeImmutableKeys_every_scan_hands_back_its_own_key_array()
    {
        await using var db = await FluxDatabase.OpenAsync<byte[], string>(Options(DurabilityMode.InMemory), Ct);
        var handle = db.CreateHandle();
        byte[] key = [1, 2, 3];
        await handle.InsertAsync(key, "v", Ct);

        var first = Assert.Single(await handle.ScanAsync(KeyRange<byte[]>.All, cancellationToken: Ct).ToListAsync()).Key;
        var second = Assert.Single(await handle.ScanAsync(KeyRange<byte[]>.All, cancellationToken: Ct).ToListAsync()).Key;
        Assert.NotSame(key, first);
        Assert.NotSame(first, second);
        Assert.Equal(key, second);
    }

    [Fact]
    public async Task A_value_that_would_read_back_as_another_type_is_refused()
    {
        await using var db = await FluxDatabase.OpenAsync<string, object>(Options(DurabilityMode.InMemory), Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("number", 42, Ct);
        Assert.Equal(42, (await handle.GetAsync("number", Ct)).Value);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await handle.InsertAsync("doc", new Document { Title = "x" }, Ct));
        Assert.Contains("would read back as", error.Message, StringComparison.Ordinal);
        Assert.False(await handle.ContainsKeyAsync("doc", Ct));
    }

    [Fact]
    public async Task Documented_key_and_value_types_read_back_identical_after_a_reopen()
    {
        var when = new DateTime(2026, 12, 5, 13, 0, 0, DateTimeKind.Utc);
        var offset = new DateTimeOffset(2026, 12, 5, 13, 0, 0, TimeSpan.FromHours(5.5));
        var record = new Reading { Name = "emoji \U0001F600 and \u00e9", At = when, Local = offset, Amount = 12.345m, Ratio = double.NaN, Bytes = [0, 255] };
        await using (var db = await FluxDatabase.OpenAsync<string, Reading>(Options(DurabilityMode.Full), Ct))
        {
            await db.CreateHandle().InsertAsync("\U0001F600 key", record, Ct);
        }

        await using var reopened = await FluxDatabase.OpenAsync<string, Reading>(Options(DurabilityMode.Full), Ct);
        var read = (await reopened.CreateHandle().GetAsync("\U0001F600 key", Ct)).Value;
        Assert.Equal(record.Name, read.Name);
        Assert.Equal(when, read.At);
        Assert.Equal(DateTimeKind.Utc, read.At.Kind);
        Assert.Equal(offset, read.Local);
        Assert.Equal(offset.Offset, read.Local.Offset);
        Assert.Equal(12.345m, read.Amount);
        Assert.True(double.IsNaN(read.Ratio));
        Assert.Equal([0, 255], read.Bytes);
    }

    [Fact]
    public async Task A_key_or_value_that_would_read_back_changed_is_refused_at_the_call()
    {
        await using var db = await FluxDatabase.OpenAsync<string, Reading>(Options(DurabilityMode.Relaxed), Ct);
        var handle = db.CreateHandle();

        var loneSurrogateKey = await Assert.ThrowsAsync<ArgumentException>(async () => await handle.InsertAsync("broken \uD800", new Reading(), Ct));
        Assert.Contains("lone UTF-16 surrogate", loneSurrogateKey.Message, StringComparison.Ordinal);

        var loneSurrogateValue = await Assert.ThrowsAsync<ArgumentException>(async () => await handle.InsertAsync("ok", new Reading { Name = "\uDC00" }, Ct));
        Assert.Contains("Reading.Name", loneSurrogateValue.Message, StringComparison.Ordinal);

        var localTime = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await handle.InsertAsync("ok", new Reading { At = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Local) }, Ct));
        Assert.Contains("Reading.At", localTime.Message, StringComparison.Ordinal);
        Assert.Contains("DateTimeOffset", localTime.Message, StringComparison.Ordinal);

        Assert.False(await handle.ContainsKeyAsync("ok", Ct));
    }

    public sealed class Reading
    {
        public string Name { get; set; } = "";

        public DateTime At { get; set; } = DateTime.UnixEpoch;

        public DateTimeOffset Local { get; set; }

        public decimal Amount { get; set; }

        public double Ratio { get; set; }

        public byte[] Bytes { get; set; } = [];
    }

    public sealed class Document
    {
        public string Title { get; set; } = "";

        public List<string> Tags { get; set; } = [];
    }

    /// <summary>Opens and stores fine, until its attachment holds something MessagePack cannot write (a stream).</summary>
    public sealed class Mail
    {
        public string Title { get; set; } = "";

        public object? Attachment { get; set; }
    }

    public sealed class Node
    {
        public string Name { get; set; } = "";

        public Node? Next { get; set; }
    }
}
