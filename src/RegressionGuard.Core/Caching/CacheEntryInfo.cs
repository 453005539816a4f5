namespace RegressionGuard.Caching;

/// <summary>One entry file found by <see cref="ContentCache.Entries"/> (listed, not verified).</summary>
/// <param name="Kind">The key's kind (the entry's top folder).</param>
/// <param name="Key">The key's <see cref="CacheKey.Value"/>.</param>
/// <param name="Path">Full path of the entry file.</param>
/// <param name="Bytes">Size of the entry file, header included.</param>
/// <param name="LastWriteUtc">When the entry was last written.</param>
/// <param name="DescriptionPath">The <see cref="CacheKey.Describe"/> text stored beside the entry, or null if there is none.</param>
public sealed record CacheEntryInfo(string Kind, string Key, string Path, long Bytes, DateTime LastWriteUtc, string? DescriptionPath);
