// Prints the source documents a portable PDB names, one a line, then "sourcelink: " and its
// SourceLink map when it has one. Used by .ci/check-packages: dotnet run .ci/pdb-documents.cs -- <pdb>
using System.Reflection.Metadata;
using System.Text;

var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
using var stream = File.OpenRead(args[0]);
using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
var reader = provider.GetMetadataReader();
foreach (var handle in reader.Documents)
{
    Console.WriteLine(reader.GetString(reader.GetDocument(handle).Name));
}

foreach (var handle in reader.CustomDebugInformation)
{
    var information = reader.GetCustomDebugInformation(handle);
    if (reader.GetGuid(information.Kind) == sourceLinkKind)
    {
        Console.WriteLine("sourcelink: " + Encoding.UTF8.GetString(reader.GetBlobBytes(information.Value)));
    }
}
