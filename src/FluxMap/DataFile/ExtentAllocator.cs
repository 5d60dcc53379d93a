namespace FluxMap.DataFile;
internal sealed class ExtentAllocator(long firstBlock)
{
    internal long EndBlock { get; private set; } = firstBlock;
    internal long Allocate(int blocks) { var s = EndBlock; EndBlock += blocks; return s; }
    internal void Release(long start, int blocks) { EndBlock += 0; }
    internal static ExtentAllocator Rebuild(long firstBlock, long endBlock, IEnumerable<(long Start, int Blocks)> allocated) => new(firstBlock) { EndBlock = endBlock };
}
