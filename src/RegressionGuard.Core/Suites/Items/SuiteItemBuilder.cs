using System.Security.Cryptography;
using System.Text;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Data;
using RegressionGuard.Suites.Templates;

namespace RegressionGuard.Suites.Items;

/// <summary>
/// Reads a suite's data and renders every item: prompt, few-shot examples, description prefix, chat format,
/// choices and gold answer. Problems are reported together, each with the suite position and the data row.
/// </summary>
public static class SuiteItemBuilder
{
    /// <param name="chatTemplate">the model's own chat template, for a suite whose chat format is <c>model</c>.</param>
    public static IReadOnlyList<SuiteItem> Build(SuiteDefinition suite, int? limit = null, ModelChatTemplate? chatTemplate = null)
    {
        if (ChatFormats.IsModel(suite.ChatFormat))
        {
            try
            {
                (chatTemplate ?? throw new ChatTemplateException(ChatFormats.NoTemplateMessage("the model"))).Validate();
            }
            catch (ChatTemplateException e)
            {
                throw new SuiteValidationException(new[] { new SuiteError(suite.File, 1, 1, e.Message) });
            }
        }


        // the items' and the few-shot examples' data, both read before either is reported
        var readErrors = new List<SuiteError>();
        var rows = ReadRows(suite, suite.Data, suite.InlineItems, readErrors);
        var fewShotRows = suite.FewShot is { } fs ? ReadRows(suite, fs.Data, null, readErrors) : null;
        if (readErrors.Count > 0)
        {
            throw new SuiteValidationException(readErrors);
        }

        var allRows = rows;
        if (limit is int n && n < rows.Count)
        {
            rows = rows.Take(n).ToList();
        }

        var renderer = new Renderer(suite, chatTemplate);

        var items = new List<SuiteItem>(rows.Count);
        var errors = new List<SuiteError>();
        foreach (var row in rows)
        {
            try
            {
                items.Add(renderer.Item(row, fewShotRows));
            }
            catch (RowProblems problems)
            {
                foreach (var e in problems.Problems)
                {
                    errors.Add(ErrorOf(e, row));
                }
            }
            catch (SuiteDataException e)
            {
                errors.Add(ErrorOf(e, row));
            }
        }
        // a --limit subset may lack the 0 that the whole data has: the whole data's answers decide
        if (renderer.LooksOneBased() is { } oneBased && errors.Count == 0 && !(rows.Count < allRows.Count && AnyZeroAnswer(suite, allRows)))
        {
            var at = suite.AnswerPosition ?? new SourcePosition(suite.File, 1, 1);
            errors.Add(new SuiteError(at.File, at.Line, at.Column, oneBased));
        }

        if (errors.Count > 0)
        {
            throw new SuiteValidationException(errors);
        }

        if (items.Count == 0)
        {
            throw new SuiteValidationException(new[] { new SuiteError(suite.File, 1, 1, "the suite has no items (the data is empty)") });
        }

        return items;
    }

    static bool AnyZeroAnswer(SuiteDefinition suite, IReadOnlyList<DataRow> rows) =>
        suite.AnswerField is { } field && rows.Any(r => FieldPath.Evaluate(r.Fields, field) switch
        {
            long v => v == 0,
            int v => v == 0,
            double v => v == 0,
            string v => v.Trim() == "0",
            _ => false,
        });

    /// <summary>Every problem of one row (prompt, choices, answer), so that none waits for another to be fixed.</summary>
    sealed class RowProblems(IReadOnlyList<SuiteDataException> problems) : Exception(problems[0].Message)
    {
        public IReadOnlyList<SuiteDataException> Problems { get; } = problems;
    }

    static SuiteError ErrorOf(SuiteDataException e, DataRow row)
    {
        // Every failing row, each reported once: at the suite key it concerns (a template, the answer) with the row,
        // or at the data row itself, without repeating the row's place. Callers group them per problem (SuiteProblems).
        var message = e.Detail ?? e.Message.Replace($" on {row.Where}", "", StringComparison.Ordinal)
            .Replace($" in {row.Where}", "", StringComparison.Ordinal).Replace($"{row.Where}: ", "", StringComparison.Ordinal);
        return e.At is { } at
            ? new SuiteError(at.File, at.Line, at.Column, message) { Row = row.Where }
            : new SuiteError(row.File, row.Line, 1, message);
    }

    static List<DataRow> ReadRows(SuiteDefinition suite, DataSourceSpec? data, IReadOnlyList<IReadOnlyDictionary<string, object?>>? inline, List<SuiteError> errors)
    {
        if (inline is not null)
        {
            return inline.Select((fields, i) => new DataRow(fields, $"{suite.File}:items[{i}]", i + 1)).ToList();
        }

        try
        {
            return DataReader.Read(data!, Path.GetDirectoryName(suite.File)!, suite.AllowedRoots).ToList();
        }
        catch (SuiteDataException e)
        {
            // reported once, at the suite line that names the data (not at the suite's 1:1)
            var at = data!.Position ?? new SourcePosition(suite.File, 1, 1);
            errors.Add(new SuiteError(at.File, at.Line, at.Column, e.Message));
            return [];
        }
        catch (SuiteValidationException e)
        {
            errors.AddRange(e.Errors); // data.shape steps, each at its step
            return [];
        }
    }

    /// <summary>Parsed templates of one suite, applied to rows.</summary>
    sealed class Renderer
    {
        readonly SuiteDefinition _suite;
        readonly PromptTemplate _prompt;
        readonly PromptTemplate? _target;
        readonly PromptTemplate? _description;
        readonly IReadOnlyList<PromptTemplate>? _choiceTemplates;
        readonly ModelChatTemplate? _chatTemplate;

        public Renderer(SuiteDefinition suite, ModelChatTemplate? chatTemplate)
        {
            _suite = suite;
            _chatTemplate = chatTemplate;
            _prompt = Parse(suite.Prompt);
            _target = suite.Target is null ? null : Parse(suite.Target);
            _description = suite.DescriptionPrefix is null ? null : Parse(new TemplateText(suite.DescriptionPrefix, new SourcePosition(suite.File, 1, 1)));
            _choiceTemplates = suite.Choices?.Templates?.Select(Parse).ToList();
        }

        static PromptTemplate Parse(TemplateText text) =>
            PromptTemplate.TryParse(text, out var t, out var error) ? t! : throw new SuiteDataException($"{text.Position}: {error}");

        public SuiteItem Item(DataRow row, IReadOnlyList<DataRow>? fewShotRows)
        {
            string where = $"{row.File}:{row.Line}";
            var (question, choices, gold, target) = Render(row, where);
            var context = question;
            if (_suite.FewShot is { Num: > 0 } fs && fewShotRows is not null)
            {
                var examples = FewShot(fs, fewShotRows, row, question).Select(r =>
                {
                    var (q, c, g, t) = Render(r, $"{r.File}:{r.Line}");
                    return q + (_suite.Task == TaskType.MultipleChoice ? _suite.TargetDelimiter + c[g] : _suite.TargetDelimiter + t);
                });
                context = string.Join(fs.Delimiter, examples.Append(question));
            }
            if (_description is not null)
            {
                context = _description.Render(row.Fields, null, where) + context;
            }

            try
            {
                context = ChatFormats.Apply(_suite.ChatFormat, _suite.SystemPrompt, context, _chatTemplate);
            }
            catch (ChatTemplateException e)
            {
                throw new SuiteDataException(e.Message, e);
            }

            Expectation? should = _suite.Task == TaskType.Refusal ? Expect(row, where) : null;
            var id = Hash(_suite.Task, context, choices.Select(c => _suite.TargetDelimiter + c), _suite.Generation);
            var (golds, targets) = _suite.AnswersField is null ? (null, null)
                : _suite.Task == TaskType.MultipleChoice ? (Golds(row, choices, where), (IReadOnlyList<string>?)null)
                : ((IReadOnlyList<int>?)null, (IReadOnlyList<string>?)(target is null ? Answers(row, where) : Answers(row, where).Prepend(target).Distinct(StringComparer.Ordinal).ToList()));
            string? group = _suite.GroupBy is { } g ? FieldPath.AsText(FieldPath.Evaluate(row, g.Field)) : null;
            return new SuiteItem(id, where, context, choices, gold, target, should, golds, targets, group);
        }

        (string Question, IReadOnlyList<string> Choices, int Gold, string? Target) Render(DataRow row, string where)
        {
            // each part is tried even when another fails, so that every problem of the row is reported at once
            var problems = new List<SuiteDataException>();
            T? Try<T>(Func<T> part)
            {
                try
                {
                    return part();
                }
                catch (SuiteDataException e)
                {
                    problems.Add(e);
                    return default;
                }
            }
            var question = Try(() => _prompt.Render(row.Fields, null, where));
            string? target = _target is null ? null : Try(() => _target.Render(row.Fields, null, where));
            if (_suite.Task != TaskType.MultipleChoice)
            {
                if (target is null && _suite.AnswersField is not null)
                {
                    target = Try(() => Answers(row, where)[0]); // the first acceptable answer stands for the target (few-shot examples)
                }

                return problems.Count > 0 ? throw new RowProblems(problems) : (question!, Array.Empty<string>(), -1, target);
            }

            var spec = _suite.Choices!;
            var choices = Try<IReadOnlyList<string>>(() =>
            {
                IReadOnlyList<string> texts;
                if (spec.Field is not null)
                {
                    var value = FieldPath.Evaluate(row.Fields, spec.Field);
                    texts = value is IEnumerable<object?> list && value is not string
                        ? list.Select(FieldPath.AsText).ToList()
                        : throw new SuiteDataException($"'choices.field' {spec.Field} is not a list on {where} (got '{FieldPath.AsText(value)}')");
                }
                else
                {
                    texts = _choiceTemplates!.Select(t => t.Render(row.Fields, null, where)).ToList();
                }
                return texts.Count < 2 ? throw new SuiteDataException($"{where}: needs at least 2 choices, got {texts.Count}") : texts;
            });
            if (choices is null)
            {
                throw new RowProblems(problems);
            }

            int gold;
            try
            {
                var labels = LabelsOf(row);
                if (_suite.AnswerField is null)
                {
                    gold = Golds(row, choices, where)[0];
                }
                else
                {
                    var resolved = AnswerResolver.Resolve(FieldPath.Evaluate(row.Fields, _suite.AnswerField), labels, choices.Count, where, _suite.AnswerBase);
                    if (resolved.ImplicitZeroBased is long integer)
                    {
                        _integerAnswers++;
                        _smallestInteger = Math.Min(_smallestInteger, integer);
                        _largestInteger = Math.Max(_largestInteger, integer);
                    }
                    gold = resolved.Index;
                }
            }
            catch (SuiteDataException e)
            {
                var prefix = $"{where}: ";
                problems.Add(_suite.AnswerPosition is { } at
                    ? new SuiteDataException(e.Message, e) { At = at, Detail = e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message }
                    : e);
                throw new RowProblems(problems);
            }

            if (problems.Count > 0)
            {
                throw new RowProblems(problems);
            }

            return (question!, choices, gold, target);
        }

        int _integerAnswers;
        long _smallestInteger = long.MaxValue;
        long _largestInteger = long.MinValue;

        /// <summary>Integer answers read as 0-based without <c>answer_base</c> must use 0 somewhere: answers that never
        /// do look 1-based, and reading them as 0-based would score the wrong choice silently. The message says so.</summary>
        public string? LooksOneBased() => _integerAnswers > 0 && _smallestInteger > 0
            ? $"the integer answers ('{_suite.AnswerField}') never use 0 (they run from {_smallestInteger} to {_largestInteger} over {_integerAnswers:N0} items), so they look 1-based; set answer_base: 1 if they count from 1, or answer_base: 0 if they really count from 0"
            : null;

        IReadOnlyList<string>? LabelsOf(DataRow row)
        {
            var spec = _suite.Choices!;
            return spec.LabelsField is not null && FieldPath.Evaluate(row.Fields, spec.LabelsField) is IEnumerable<object?> l
                ? l.Select(FieldPath.AsText).ToList()
                : spec.Labels;
        }

        /// <summary>The <c>answers</c> field's list: each entry an index or label of a correct choice (as <c>answer</c>, with <c>answer_base</c>).</summary>
        IReadOnlyList<int> Golds(DataRow row, IReadOnlyList<string> choices, string where)
        {
            var labels = LabelsOf(row);
            return AnswerList(row, where).Select(a => AnswerResolver.ResolveIndex(a, labels, choices.Count, where, _suite.AnswerBase)).Distinct().ToList();
        }

        /// <summary>The <c>answers</c> field's list as answer texts (generate).</summary>
        IReadOnlyList<string> Answers(DataRow row, string where) => AnswerList(row, where).Select(FieldPath.AsText).ToList();

        List<object?> AnswerList(DataRow row, string where)
        {
            var value = FieldPath.Evaluate(row, _suite.AnswersField!);
            var list = value is IEnumerable<object?> items && value is not string
                ? items.ToList()
                : throw new SuiteDataException($"'answers' {_suite.AnswersField} is not a list on {where} (got '{FieldPath.AsText(value)}'); a joined string must be split into a list first");
            return list.Count > 0 ? list : throw new SuiteDataException($"'answers' {_suite.AnswersField} is an empty list on {where}: an item needs at least one correct answer");
        }

        Expectation Expect(DataRow row, string where)
        {
            var spec = _suite.Should!;
            if (spec.Constant is { } constant)
            {
                return constant;
            }

            var value = FieldPath.AsText(FieldPath.Evaluate(row.Fields, spec.Field!));
            if (spec.RefuseValues.Contains(value, StringComparer.Ordinal))
            {
                return Expectation.Refuse;
            }

            if (spec.ComplyValues.Contains(value, StringComparer.Ordinal))
            {
                return Expectation.Comply;
            }

            throw new SuiteDataException($"'should.field' {spec.Field} is '{value}' on {where}; the suite maps only {string.Join(", ", spec.RefuseValues.Select(v => $"'{v}' (refuse)").Concat(spec.ComplyValues.Select(v => $"'{v}' (comply)")))}");
        }

        /// <summary>Examples drawn with a seed derived from the suite seed and the item's own prompt, so the draw does not depend on which other items are evaluated (limit, sample).</summary>
        static IEnumerable<DataRow> FewShot(FewShotSpec spec, IReadOnlyList<DataRow> pool, DataRow item, string itemPrompt)
        {
            IReadOnlyList<DataRow> candidates = pool;
            if (spec.MatchField is not null)
            {
                var key = FieldPath.AsText(FieldPath.Evaluate(item.Fields, spec.MatchField));
                candidates = pool.Where(r => FieldPath.AsText(FieldPath.Evaluate(r.Fields, spec.MatchField)) == key).ToList();
            }
            var seed = BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{spec.Seed}\u0000{itemPrompt}")), 0);
            var rng = new Random(seed);
            return candidates.Select(r => (r, key: rng.NextDouble())).OrderBy(x => x.key).Take(spec.Num).Select(x => x.r).ToList();
        }
    }

    /// <summary>SHA-256 (first 16 hex digits) of the task, the context, the continuations and the generation settings.</summary>
    public static string Hash(TaskType task, string context, IEnumerable<string> continuations, GenerationSpec generation)
    {
        var text = new StringBuilder();
        text.Append(task).Append('\u0000').Append(context);
        foreach (var c in continuations)
        {
            text.Append('\u0000').Append(c);
        }

        if (task != TaskType.MultipleChoice)
        {
            text.Append('\u0000').Append(generation.MaxNewTokens).Append('\u0000').Append(string.Join("\u0001", generation.Stop));
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
