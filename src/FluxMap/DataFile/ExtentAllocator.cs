namespace FluxMap.DataFile;

/// <summary>
/// The data file's free-space manager, in 4 KiB block units. Free extents are kept both by start
/// (to find and merge neighbours on release) and by size (for best fit), so every operation is
/// O(log n) in the number of free extents. Not thread-safe: the caller holds the data file's lock.
/// </summary>
/// <remarks>
/// Free extents are always fully coalesced: no two touch. Releasing a block that is already free
/// throws rather than being ignored, because a double free would later hand the same blocks to
/// two owners and corrupt the file without a trace.
/// </remarks>
internal sealed class ExtentAllocator
{
    // Views over a SortedSet find the bound in O(log n) as long as nothing asks them for Count.
    private static readonly Comparer<Extent> ByStart = Comparer<Extent>.Create((a, b) => a.Start.CompareTo(b.Start));

    private static readonly Comparer<Extent> BySize = Comparer<Extent>.Create((a, b) =>
    {
        var bySize = a.Blocks.CompareTo(b.Blocks);
        return bySize != 0 ? bySize : a.Start.CompareTo(b.Start);
    });

    private readonly SortedSet<Extent> _byStart = new(ByStart);
    private readonly SortedSet<Extent> _bySize = new(BySize);

    /// <param name="firstBlock">Blocks below this hold the file headers and are never handed out.</param>
    internal ExtentAllocator(long firstBlock)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstBlock);
        FirstBlock = firstBlock;
        EndBlock = firstBlock;
    }

    internal long FirstBlock { get; }

    /// <summary>One past the last block handed out or known; the file must be at least this long.</summary>
    /// <remarks>Never shrinks: a free tail stays free rather than truncating the file.</remarks>
    internal long EndBlock { get; private set; }

    internal long FreeBlocks { get; private set; }

    internal int FreeExtentCount => _byStart.Count;

    /// <summary>Free extents in offset order, for compaction and tests.</summary>
    internal IEnumerable<(long Start, long Blocks)> FreeExtents => _byStart.Select(e => (e.Start, e.Blocks));

    /// <summary>
    /// Rebuilds the free list on open from the extents a checkpoint lists as in use: every block
    /// between <paramref name="firstBlock"/> and <paramref name="endBlock"/> that none covers is free.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Two allocated extents overlap, or one lies outside the file: the checkpoint is inconsistent,
    /// and trusting it would hand blocks in use to a new owner.
    /// </exception>
    internal static ExtentAllocator Rebuild(long firstBlock, long endBlock, IEnumerable<(long Start, int Blocks)> allocated)
    {
        ArgumentNullException.ThrowIfNull(allocated);
        var allocator = new ExtentAllocator(firstBlock);
        ArgumentOutOfRangeException.ThrowIfLessThan(endBlock, firstBlock);
        allocator.EndBlock = endBlock;

        var covered = firstBlock;
        Extent? reaching = null; // the allocated extent that ends at covered
        foreach (var (start, blocks) in allocated.OrderBy(e => e.Start))
        {
            var extent = new Extent(start, blocks);
            if (blocks <= 0 || start < firstBlock || start > endBlock - blocks)
            {
                throw new InvalidOperationException(
                    $"The allocated {extent} is outside the file (blocks {firstBlock} to {endBlock}) or empty.");
            }

            if (start < covered)
            {
                throw new InvalidOperationException($"The allocated {extent} overlaps the allocated {reaching}.");
            }

            if (start > covered)
            {
                allocator.AddFree(new Extent(covered, start - covered));
            }

            covered = extent.End;
            reaching = extent;
        }

        if (endBlock > covered)
        {
            allocator.AddFree(new Extent(covered, endBlock - covered));
        }

        return allocator;
    }

    /// <summary>
    /// Hands out <paramref name="blocks"/> contiguous blocks from the smallest free extent that
    /// holds them (lowest start on ties), so large free extents stay whole for large values.
    /// </summary>
    /// <returns>The first block of the extent.</returns>
    internal long Allocate(int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        if (SmallestFit(blocks) is { } fit)
        {
            RemoveFree(fit);
            if (fit.Blocks > blocks)
            {
                // The remainder keeps the higher offsets, so the extent's start is reused first.
                AddFree(new Extent(fit.Start + blocks, fit.Blocks - blocks));
            }

            return fit.Start;
        }

        // Nothing fits: grow the file, starting at a free tail if there is one so it is not stranded.
        var start = EndBlock;
        if (_byStart.Count > 0 && _byStart.Max.End == EndBlock)
        {
            var tail = _byStart.Max;
            RemoveFree(tail);
            start = tail.Start;
        }

        EndBlock = checked(start + blocks);
        return start;
    }

    /// <summary>The blocks of the smallest free extent of at least <paramref name="blocks"/> blocks (the one <see cref="Allocate"/> would hand out), or 0 if none is that large.</summary>
    internal long SmallestFreeExtent(int blocks) => SmallestFit(blocks)?.Blocks ?? 0;

    /// <summary>The blocks of the largest free extent, or 0 if none is free.</summary>
    internal long LargestFreeExtent => _bySize.Count > 0 ? _bySize.Max.Blocks : 0;

    /// <summary>Returns an extent, merging it with free neighbours on either side.</summary>
    /// <exception cref="InvalidOperationException">
    /// Part of the extent is already free or outside the file: a double free or a stray offset.
    /// </exception>
    internal void Release(long start, int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        var released = new Extent(start, blocks);
        if (start < FirstBlock || start > EndBlock - blocks)
        {
            throw new InvalidOperationException(
                $"Cannot release the {released}: outside the file (blocks {FirstBlock} to {EndBlock}).");
        }

        var before = Predecessor(start);
        var after = Successor(start);
        if (before is { } b && b.End > start)
        {
            throw new InvalidOperationException($"Cannot release the {released}: already free (overlaps the free {b}).");
        }

        if (after is { } a && a.Start < released.End)
        {
            throw new InvalidOperationException($"Cannot release the {released}: already free (overlaps the free {a}).");
        }

        var mergedStart = start;
        var mergedEnd = released.End;
        if (before is { } left && left.End == start)
        {
            RemoveFree(left);
            mergedStart = left.Start;
        }

        if (after is { } right && right.Start == released.End)
        {
            RemoveFree(right);
            mergedEnd = right.End;
        }

        AddFree(new Extent(mergedStart, mergedEnd - mergedStart));
    }

    private Extent? SmallestFit(int blocks) =>
        _bySize.Count > 0 && _bySize.Max.Blocks >= blocks ? _bySize.GetViewBetween(new Extent(long.MinValue, blocks), _bySize.Max).Min : null;

    /// <summary>The free extent with the greatest start at or below <paramref name="block"/>.</summary>
    private Extent? Predecessor(long block) =>
        _byStart.Count == 0 || _byStart.Min.Start > block
            ? null
            : _byStart.GetViewBetween(_byStart.Min, new Extent(block, 0)).Max;

    /// <summary>The free extent with the least start above <paramref name="block"/>.</summary>
    private Extent? Successor(long block) =>
        _byStart.Count == 0 || _byStart.Max.Start <= block
            ? null
            : _byStart.GetViewBetween(new Extent(block + 1, 0), _byStart.Max).Min;

    private void AddFree(Extent extent)
    {
        _byStart.Add(extent);
        _bySize.Add(extent);
        FreeBlocks += extent.Blocks;
    }

    private void RemoveFree(Extent extent)
    {
        _byStart.Remove(extent);
        _bySize.Remove(extent);
        FreeBlocks -= extent.Blocks;
    }

    private readonly record struct Extent(long Start, long Blocks)
    {
        internal long End => Start + Blocks;

        public override string ToString() => $"extent at block {Start} of {Blocks} blocks";
    }
}
