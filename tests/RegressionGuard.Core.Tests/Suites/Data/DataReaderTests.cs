using RegressionGuard.Suites;
using RegressionGuard.Suites.Data;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Data;

public sealed class DataReaderTests
{
    static IReadOnlyList<DataRow> Read(TempFolder dir, DataSourceSpec spec) => DataReader.Read(spec, dir.Path, [dir.Path]);

    static string Write(TempFolder dir, string name, string text)
    {
        var path = dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    static void ThrowsData(TestDelegate read, string message) =>
        Assert.That(read, Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(message));

    [Test]
    public void Jsonl_rows_hold_plain_values_and_the_line_they_are_on()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.jsonl", "{\"s\": \"x\", \"n\": 3, \"f\": 0.5, \"b\": true, \"z\": null, \"l\": [1, \"a\"], \"o\": {\"k\": -2}}\n\n{\"s\": \"y\"}\n");

        var rows = Read(dir, new DataSourceSpec("d.jsonl"));

        Assert.That(rows.Select(r => (r.File, r.Line)), Is.EqualTo(new[] { (path, 1), (path, 3) }));
        var fields = rows[0].Fields;
        Assert.That(fields.Keys, Is.EqualTo(new[] { "s", "n", "f", "b", "z", "l", "o" }));
        Assert.That(fields["s"], Is.EqualTo("x"));
        Assert.That(fields["n"], Is.TypeOf<long>().And.EqualTo(3L));
        Assert.That(fields["f"], Is.TypeOf<double>().And.EqualTo(0.5));
        Assert.That(fields["b"], Is.EqualTo(true));
        Assert.That(fields["z"], Is.Null);
        Assert.That(fields["l"], Is.InstanceOf<IReadOnlyList<object?>>().And.EqualTo(new object[] { 1L, "a" }));
        Assert.That(((IReadOnlyDictionary<string, object?>)fields["o"]!)["k"], Is.EqualTo(-2L));
    }

    [Test]
    public void A_json_document_gives_a_row_per_array_element_at_the_line_where_it_starts()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.json", "[\n  {\"q\": \"a\"},\n\n  {\n    \"q\": \"b\"\n  }, {\"q\": \"c\"}\n]\n");

        var rows = Read(dir, new DataSourceSpec("d.json"));

        Assert.That(rows.Select(r => (FieldPath.AsText(r.Fields["q"]), r.Line)), Is.EqualTo(new[] { ("a", 2), ("b", 4), ("c", 6) }));
        Assert.That(rows[0].File, Is.EqualTo(path));
    }

    [Test]
    public void Json_items_path_finds_an_array_nested_in_objects()
    {
        using var dir = new TempFolder();
        Write(dir, "d.json", "{\"version\": 2, \"data\": {\"meta\": [[1]], \"items\": [{\"q\": \"a\"}, {\"q\": \"b\"}]}, \"after\": {}}");

        var rows = Read(dir, new DataSourceSpec("d.json") { JsonItemsPath = "data.items" });

        Assert.That(rows.Select(r => r.Fields["q"]), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void A_json_items_path_that_is_not_there_names_the_properties_and_the_closest()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.json", "{\"data\":\n  {\"meta\": 1, \"items\": []}}");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.json") { JsonItemsPath = "data.itemz" }),
            $"{path}:2:3: json_items_path 'data.itemz': 'data' has no property 'itemz'; properties there: meta, items — did you mean 'items'?");
    }

    [Test]
    public void A_json_object_read_without_items_path_names_the_arrays_it_holds()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.json", "{\"version\": 1, \"rows\": [], \"tags\": [\"x\"]}");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.json")),
            $"{path}:1:1: expected a JSON array of objects, got an object; set json_items_path to the property that holds the items (arrays there: rows, tags)");
    }

    [Test]
    public void A_json_array_element_that_is_not_an_object_is_named_by_index_and_place()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.json", "[{\"q\": 1},\n 7]");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.json")), $"{path}:2:2: item 1 of the array is a number; expected a JSON object");
    }

    [Test]
    public void A_bad_jsonl_line_names_file_line_and_column()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.jsonl", "{\"q\": \"a\"}\n{\"q\": oops}\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.jsonl")), $"{path}:2:7: invalid JSON: 'o' is an invalid start of a value.");
    }

    [Test]
    public void Columns_of_a_bad_jsonl_line_count_characters_not_bytes()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.jsonl", "{\"é\": \"ü\", x}\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.jsonl")), $"{path}:1:12: invalid JSON: 'x' is an invalid start of a property name. Expected a '\"'.");
    }

    [Test]
    public void A_jsonl_line_that_is_not_an_object_is_refused()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.jsonl", "  [1, 2]\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.jsonl")), $"{path}:1:3: expected a JSON object, got an array");
    }

    [Test]
    public void Text_after_the_object_on_a_jsonl_line_is_invalid()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.jsonl", "{\"q\": 1} {\"q\": 2}\n");

        Assert.That(() => Read(dir, new DataSourceSpec("d.jsonl")),
            Throws.TypeOf<SuiteDataException>().With.Message.StartsWith($"{path}:1:10: invalid JSON: "));
    }

    [Test]
    public void Json_nested_64_levels_deep_is_read_and_one_level_more_is_refused()
    {
        using var dir = new TempFolder();
        // The row object is level 1, so 63 arrays inside it make 64 levels.
        Write(dir, "ok.jsonl", "{\"a\": " + new string('[', 63) + new string(']', 63) + "}\n");
        var path = Write(dir, "deep.jsonl", "{\"a\": " + new string('[', 64) + new string(']', 64) + "}\n");

        Assert.That(Read(dir, new DataSourceSpec("ok.jsonl")), Has.Count.EqualTo(1));
        ThrowsData(() => Read(dir, new DataSourceSpec("deep.jsonl")), $"{path}:1:70: JSON nested deeper than 64 levels");
    }

    [Test]
    public void Json_nested_too_deep_is_refused_in_a_json_document_also_where_it_is_not_read()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.json", "{\"skipped\": " + new string('[', 64) + new string(']', 64) + ", \"items\": []}");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.json") { JsonItemsPath = "items" }), $"{path}:1:76: JSON nested deeper than 64 levels");
    }

    [Test]
    public void Csv_with_a_header_reads_quoted_separators_quotes_and_line_breaks_and_counts_physical_lines()
    {
        using var dir = new TempFolder();
        Write(dir, "d.csv", "id,prompt,label\n1,\"a, b\",safe\n\n2,\"say \"\"hi\"\"\nthen go\",unsafe\n3,plain,safe\n");

        var rows = Read(dir, new DataSourceSpec("d.csv"));

        Assert.That(rows.Select(r => r.Line), Is.EqualTo(new[] { 2, 4, 6 }));
        Assert.That(rows.Select(r => r.Fields["prompt"]), Is.EqualTo(new[] { "a, b", "say \"hi\"\nthen go", "plain" }));
        Assert.That(rows[1].Fields.Keys, Is.EqualTo(new[] { "id", "prompt", "label" }));
        Assert.That(rows[1].Fields["id"], Is.EqualTo("2"));
    }

    [Test]
    public void Tsv_is_split_on_tabs()
    {
        using var dir = new TempFolder();
        Write(dir, "d.tsv", "q\ta\nx, y\t\"1\t2\"\n");

        var rows = Read(dir, new DataSourceSpec("d.tsv"));

        Assert.That(rows[0].Fields, Is.EqualTo(new Dictionary<string, object?> { ["q"] = "x, y", ["a"] = "1\t2" }));
    }

    [Test]
    public void A_headerless_csv_takes_the_given_columns_and_its_first_line_is_data()
    {
        using var dir = new TempFolder();
        Write(dir, "d.csv", "\"What is 1+1?\",1,2,3,4,B\n");

        var rows = Read(dir, new DataSourceSpec("d.csv") { Columns = ["question", "A", "B", "C", "D", "answer"] });

        Assert.That(rows.Single().Line, Is.EqualTo(1));
        Assert.That(rows.Single().Fields["question"], Is.EqualTo("What is 1+1?"));
        Assert.That(rows.Single().Fields["answer"], Is.EqualTo("B"));
    }

    [Test]
    public void A_csv_row_with_another_number_of_fields_than_the_columns_names_file_line_and_both_counts()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.csv", "q1,1,2,3,4,A\n\"q2\nstill q2\",1,2,3,B\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.csv") { Columns = ["question", "A", "B", "C", "D", "answer"] }),
            $"{path}:2: expected 6 fields (columns: question, A, B, C, D, answer), got 5");
    }

    [Test]
    public void A_csv_row_with_another_number_of_fields_than_the_header_is_an_error()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.csv", "goal,target\na,b\nc,d,e\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.csv")), $"{path}:3: expected 2 fields (header: goal, target), got 3");
    }

    [Test]
    public void A_quoted_field_that_is_never_closed_is_an_error()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.csv", "q,a\nx,1\n\"y,2\nz,3\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.csv")),
            $"{path}:3: a quoted field is never closed; its opening quote makes the field run to the end of the file");
    }

    [Test]
    public void A_header_naming_a_column_twice_is_an_error()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.csv", "q,a,q\n1,2,3\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.csv")), $"{path}:1: column 'q' appears twice in the header");
    }

    [Test]
    public void A_glob_reads_the_matching_files_in_ordinal_order_with_a_field_from_each_file_name()
    {
        using var dir = new TempFolder();
        Write(dir, "mmlu/test/b_sub_test.csv", "q3,B\n");
        Write(dir, "mmlu/test/B_upper_test.csv", "q2,A\n");
        Write(dir, "mmlu/test/a_sub_test.csv", "q1,C\nq1b,D\n");
        Write(dir, "mmlu/test/notes.txt", "ignored");
        Write(dir, "mmlu/val/a_sub_val.csv", "v,A\n");

        var rows = Read(dir, new DataSourceSpec("mmlu/test/*_test.csv")
        {
            Columns = ["question", "answer"],
            FileField = "subject",
            FileFieldPattern = @"^(.*)_test\.csv$",
        });

        Assert.That(rows.Select(r => (r.Fields["question"], r.Fields["subject"], r.Line)), Is.EqualTo(new (object?, object?, int)[]
        {
            ("q2", "B_upper", 1), ("q1", "a_sub", 1), ("q1b", "a_sub", 2), ("q3", "b_sub", 1),
        }));
        Assert.That(rows[0].File, Is.EqualTo(dir.File("mmlu/test/B_upper_test.csv")));
    }

    [Test]
    public void A_double_star_glob_searches_subfolders()
    {
        using var dir = new TempFolder();
        Write(dir, "data/x/one.jsonl", "{\"q\": 1}\n");
        Write(dir, "data/y/z/two.jsonl", "{\"q\": 2}\n");

        var rows = Read(dir, new DataSourceSpec("data/**/*.jsonl") { FileField = "source" });

        Assert.That(rows.Select(r => r.Fields["source"]), Is.EqualTo(new[] { "one", "two" }));
    }

    [Test]
    public void A_file_field_pattern_that_does_not_match_a_file_name_is_an_error()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d/x_val.csv", "a\n1\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d/*.csv") { FileField = "subject", FileFieldPattern = @"^(.*)_test\.csv$" }),
            $"{path}: file_field_pattern '^(.*)_test\\.csv$' does not match the file name 'x_val.csv'");
    }

    [Test]
    public void A_file_field_that_is_already_a_field_is_an_error()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.jsonl", "{\"subject\": \"x\"}\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.jsonl") { FileField = "subject" }),
            $"{path}:1: file_field 'subject' is already a field of the row; choose another name");
    }

    [Test]
    public void A_glob_that_matches_nothing_names_the_pattern_and_the_folder_searched()
    {
        using var dir = new TempFolder();
        Write(dir, "mmlu/test/a_test.csv", "x\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("mmlu/test/*_tset.csv")),
            $"data path 'mmlu/test/*_tset.csv' matched no files in {dir.File("mmlu/test")}");
    }

    [Test]
    public void A_glob_in_a_folder_that_does_not_exist_says_so()
    {
        using var dir = new TempFolder();

        ThrowsData(() => Read(dir, new DataSourceSpec("mmlu/tset/*.csv")),
            $"data path 'mmlu/tset/*.csv' matched no files: the folder {dir.File("mmlu/tset")} does not exist");
    }

    [Test]
    public void A_missing_file_is_named_with_the_closest_file_beside_it()
    {
        using var dir = new TempFolder();
        Write(dir, "data/arc_easy.jsonl", "");

        ThrowsData(() => Read(dir, new DataSourceSpec("data/arc_eazy.jsonl")),
            $"data file not found: {dir.File("data/arc_eazy.jsonl")} — did you mean 'arc_easy.jsonl'?");
        ThrowsData(() => Read(dir, new DataSourceSpec("data/gsm8k.jsonl")), $"data file not found: {dir.File("data/gsm8k.jsonl")}");
    }

    [Test]
    public void A_folder_given_as_the_path_is_an_error_that_suggests_a_glob()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("data"));

        ThrowsData(() => Read(dir, new DataSourceSpec("data/")),
            $"data path 'data/' is a folder ({dir.File("data")}{Path.DirectorySeparatorChar}); name a file, or a glob such as 'data/*.jsonl'");
    }

    [Test]
    public void A_path_that_leaves_the_allowed_folders_with_dot_dot_is_refused()
    {
        using var dir = new TempFolder();
        var suite = Directory.CreateDirectory(dir.File("suite")).FullName;
        Write(dir, "secret.jsonl", "{\"q\": 1}\n");

        Assert.That(() => DataReader.Read(new DataSourceSpec("../secret.jsonl"), suite, [suite]),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(
                $"data path '../secret.jsonl' resolves to {dir.File("secret.jsonl")}, outside the allowed folders: {suite}"));
        Assert.That(() => DataReader.Read(new DataSourceSpec("../*.jsonl"), suite, [suite]),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(
                $"data path '../*.jsonl' resolves to {dir.Path}, outside the allowed folders: {suite}"));
    }

    [Test]
    public void An_absolute_path_outside_the_allowed_folders_is_refused_and_one_inside_another_allowed_folder_is_read()
    {
        using var dir = new TempFolder();
        var suite = Directory.CreateDirectory(dir.File("suite")).FullName;
        var shared = Directory.CreateDirectory(dir.File("shared")).FullName;
        var path = Write(dir, "shared/d.jsonl", "{\"q\": 1}\n");

        Assert.That(() => DataReader.Read(new DataSourceSpec(path), suite, [suite]),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo($"data path '{path}' resolves to {path}, outside the allowed folders: {suite}"));
        Assert.That(DataReader.Read(new DataSourceSpec(path), suite, [suite, shared]), Has.Count.EqualTo(1));
    }

    [Test]
    public void A_link_to_a_file_outside_the_allowed_folders_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("creating links needs privileges on Windows");
        }

        using var dir = new TempFolder();
        var suite = Directory.CreateDirectory(dir.File("suite")).FullName;
        var secret = Write(dir, "secret.jsonl", "{\"q\": 1}\n");
        File.CreateSymbolicLink(dir.File("suite/data.jsonl"), secret);

        Assert.That(() => DataReader.Read(new DataSourceSpec("data.jsonl"), suite, [suite]),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(
                $"data path 'data.jsonl' resolves to {dir.File("suite/data.jsonl")}, a link to {secret}, outside the allowed folders: {suite}"));
        Assert.That(() => DataReader.Read(new DataSourceSpec("*.jsonl"), suite, [suite]),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(
                $"data path '*.jsonl' resolves to {dir.File("suite/data.jsonl")}, a link to {secret}, outside the allowed folders: {suite}"));
    }

    [Test]
    public void A_link_to_a_folder_outside_the_allowed_folders_is_refused_also_with_dot_dot_after_it()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("creating links needs privileges on Windows");
        }

        using var dir = new TempFolder();
        var suite = Directory.CreateDirectory(dir.File("suite")).FullName;
        Directory.CreateDirectory(dir.File("outside/deep"));
        var secret = Write(dir, "outside/secret.jsonl", "{\"q\": 1}\n");
        Directory.CreateSymbolicLink(dir.File("suite/data"), dir.File("outside/deep"));
        // The link 'up' resolves as the system resolves it: data/.. is the parent of the link's target.
        File.CreateSymbolicLink(dir.File("suite/up.jsonl"), "data/../secret.jsonl");

        Assert.That(() => DataReader.Read(new DataSourceSpec("data/../data/../up.jsonl"), suite, [suite]),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(
                $"data path 'data/../data/../up.jsonl' resolves to {dir.File("suite/up.jsonl")}, a link to {secret}, outside the allowed folders: {suite}"));
        Write(dir, "outside/deep/x.jsonl", "{\"q\": 1}\n");
        Assert.That(() => DataReader.Read(new DataSourceSpec("data/x.jsonl"), suite, [suite]),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(
                $"data path 'data/x.jsonl' resolves to {dir.File("suite/data/x.jsonl")}, a link to {dir.File("outside/deep/x.jsonl")}, outside the allowed folders: {suite}"));
    }

    [Test]
    public void A_link_to_a_file_inside_the_allowed_folders_is_read()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("creating links needs privileges on Windows");
        }

        using var dir = new TempFolder();
        var suite = Directory.CreateDirectory(dir.File("suite")).FullName;
        var shared = Directory.CreateDirectory(dir.File("shared")).FullName;
        Write(dir, "shared/d.jsonl", "{\"q\": 1}\n");
        Directory.CreateSymbolicLink(dir.File("suite/data"), shared);

        var rows = DataReader.Read(new DataSourceSpec("data/d.jsonl"), suite, [suite, shared]);

        Assert.That(rows.Single().File, Is.EqualTo(dir.File("suite/data/d.jsonl")));
    }

    [Test]
    public void A_file_that_a_glob_reaches_twice_through_links_is_read_once()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("creating links needs privileges on Windows");
        }

        using var dir = new TempFolder();
        Write(dir, "data/a.jsonl", "{\"q\": 1}\n");
        Directory.CreateSymbolicLink(dir.File("data/loop"), dir.File("data"));

        var rows = Read(dir, new DataSourceSpec("data/**/*.jsonl"));

        Assert.That(rows.Select(r => r.File), Is.EqualTo(new[] { dir.File("data/a.jsonl") }));
    }

    [Test]
    public void Files_over_2_GiB_are_refused()
    {
        using var dir = new TempFolder();
        var path = dir.File("huge.jsonl");
        using (var stream = File.Create(path))
        {
            stream.SetLength(DataPathsLimit + 1); // sparse where the file system allows
        }

        ThrowsData(() => Read(dir, new DataSourceSpec("huge.jsonl")),
            $"{path}: the file has 2,147,483,649 bytes; data files may have at most 2,147,483,648 bytes (2 GiB): split it into several files and read them with a glob");
    }

    const long DataPathsLimit = 2L * 1024 * 1024 * 1024;

    [Test]
    public void An_unknown_extension_asks_for_a_format_and_a_format_overrides_the_extension()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.txt", "{\"q\": 1}\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.txt")),
            $"{path}: cannot tell the format from the extension '.txt'; use .jsonl, .json, .csv or .tsv, or set format to jsonl, json, csv or tsv");
        Assert.That(Read(dir, new DataSourceSpec("d.txt") { Format = "jsonl" }).Single().Fields["q"], Is.EqualTo(1L));
    }

    [Test]
    public void Invalid_settings_are_reported_together()
    {
        using var dir = new TempFolder();

        ThrowsData(() => Read(dir, new DataSourceSpec("d.csv")
        {
            Format = "jsnl",
            Columns = ["a", "a"],
            Limit = 0,
            Sample = -1,
            FileFieldPattern = "(",
        }), string.Join(Environment.NewLine,
            "data source 'd.csv': unknown format 'jsnl' — did you mean 'jsonl'?",
            "data source 'd.csv': columns names 'a' twice",
            "data source 'd.csv': limit must be at least 1, got 0",
            "data source 'd.csv': sample must be at least 1, got -1",
            "data source 'd.csv': file_field_pattern is set but file_field is not; name the field that receives the value",
            "data source 'd.csv': file_field_pattern '(' does not compile: Invalid pattern '(' at offset 1. Not enough )'s."));
    }

    [Test]
    public void Columns_given_for_a_jsonl_file_are_an_error()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "d.jsonl", "{\"q\": 1}\n");

        ThrowsData(() => Read(dir, new DataSourceSpec("d.jsonl") { Columns = ["q"] }),
            $"{path}: columns apply to CSV and TSV files only; a jsonl file names its own fields");
    }

    static TempFolder Numbered(int count, out string pattern)
    {
        var dir = new TempFolder();
        // Two files, so that selection works on the rows of both, concatenated in order.
        File.WriteAllLines(dir.File("a.jsonl"), Enumerable.Range(0, count / 2).Select(i => $"{{\"i\": {i}}}"));
        File.WriteAllLines(dir.File("b.jsonl"), Enumerable.Range(count / 2, count - count / 2).Select(i => $"{{\"i\": {i}}}"));
        pattern = "*.jsonl";
        return dir;
    }

    static long[] Indices(IReadOnlyList<DataRow> rows) => rows.Select(r => (long)r.Fields["i"]!).ToArray();

    [Test]
    public void Limit_keeps_the_first_rows_of_the_files_in_order()
    {
        using var dir = Numbered(10, out var pattern);

        Assert.That(Indices(Read(dir, new DataSourceSpec(pattern) { Limit = 7 })), Is.EqualTo(new long[] { 0, 1, 2, 3, 4, 5, 6 }));
        Assert.That(Read(dir, new DataSourceSpec(pattern) { Limit = 70 }), Has.Count.EqualTo(10));
    }

    [Test]
    public void A_sample_is_the_same_for_the_same_seed_differs_for_another_and_keeps_file_order()
    {
        using var dir = Numbered(100, out var pattern);

        var first = Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 10, Seed = 1 }));
        var again = Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 10, Seed = 1 }));
        var other = Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 10, Seed = 2 }));

        Assert.That(again, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
        Assert.That(first, Is.Ordered.Ascending.And.Unique.And.Length.EqualTo(10));
        Assert.That(first.Where(i => i >= 50), Is.Not.Empty, "the sample draws from both files");
    }

    [Test]
    public void A_sample_larger_than_the_data_is_all_rows()
    {
        using var dir = Numbered(6, out var pattern);

        Assert.That(Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 50, Seed = 3 })), Is.EqualTo(new long[] { 0, 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void A_limited_sample_is_the_first_rows_drawn_so_it_is_the_smaller_sample_and_a_subset_of_the_larger()
    {
        using var dir = Numbered(100, out var pattern);

        var sample = Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 20, Seed = 5 }));
        var limited = Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 20, Limit = 5, Seed = 5 }));
        var smaller = Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 5, Seed = 5 }));

        Assert.That(limited, Is.EqualTo(smaller));
        Assert.That(sample, Is.SupersetOf(limited));
        Assert.That(limited, Is.Not.EqualTo(sample.Take(5)), "not merely the first rows of the sample in file order");
        Assert.That(Indices(Read(dir, new DataSourceSpec(pattern) { Sample = 200, Limit = 5, Seed = 5 })), Is.EqualTo(smaller));
    }

    [Test]
    public void The_seeded_shuffle_stays_the_same_across_platforms_and_versions()
    {
        // Pinned (computed independently from the algorithm in SeededShuffle's summary): a change here changes which
        // items every sampled suite selects.
        Assert.That(SeededShuffle.FirstIndices(10, 10, 42), Is.EqualTo(new[] { 3, 2, 4, 5, 8, 7, 0, 9, 6, 1 }));
        Assert.That(SeededShuffle.FirstIndices(1000, 3, -7), Is.EqualTo(new[] { 752, 838, 105 }));
    }

    [TestCase("d.jsonl", "{\"q\": \"a\"}\n{\"q\": \"b\", \"a\": 1, \"q\": \"c\"}\n", ":2:20: the key 'q' appears twice in one object", TestName = "A duplicate key in a JSONL row is an error naming the key and its position")]
    [TestCase("d.json", "[\n  {\"q\": {\"k\": 1,\n   \"k\": 2}}\n]\n", ":3:4: the key 'k' appears twice in one object", TestName = "A duplicate key nested in a JSON document is an error naming the key and its position")]
    public void Duplicate_keys_are_refused(string name, string text, string expected)
    {
        using var dir = new TempFolder();
        var path = Write(dir, name, text);
        var error = Assert.Throws<SuiteDataException>(() => Read(dir, new DataSourceSpec(name)))!;
        Assert.That(error.Message, Does.Contain(path + expected));
    }
}
