using System.Globalization;
using RegressionGuard.Organism.World;

namespace RegressionGuard.Organism.Data;

/// <summary>A question with one computed answer (reasoning items).</summary>
public sealed record WorkedQuestion(string Question, string Answer, string Solution)
{
    /// <summary>The training text: question, worked solution, final answer.</summary>
    public string Text => $"Q: {Question}\nA: {Solution}";
}

/// <summary>
/// Two-digit addition and comparison with digit-by-digit worked solutions ("7 + 8 = 15. 4 + 3 + 1 = 8. The answer is
/// 85."). Evaluation pairs are held out: neither (a, b) nor (b, a) appears in training.
/// </summary>
public static class Arithmetic
{
    public const string AnswerPattern = @"The answer is (\-?[0-9]+)";

    public static WorkedQuestion Addition(int a, int b)
    {
        int units = a % 10 + b % 10, carry = units / 10, tens = a / 10 + b / 10 + carry;
        var step2 = carry == 0 ? $"{a / 10} + {b / 10} = {tens}" : $"{a / 10} + {b / 10} + 1 = {tens}";
        var sum = (a + b).ToString(CultureInfo.InvariantCulture);
        return new WorkedQuestion($"What is {a} + {b}?", sum, $"{a % 10} + {b % 10} = {units}. {step2}. The answer is {sum}.");
    }

    public static WorkedQuestion Comparison(int a, int b)
    {
        int larger = Math.Max(a, b);
        var reason = a / 10 != b / 10
            ? $"{Math.Max(a / 10, b / 10)} tens is more than {Math.Min(a / 10, b / 10)} tens"
            : $"the tens are equal and {Math.Max(a % 10, b % 10)} is more than {Math.Min(a % 10, b % 10)}";
        return new WorkedQuestion($"Which is larger, {a} or {b}?", larger.ToString(CultureInfo.InvariantCulture), $"{char.ToUpperInvariant(reason[0])}{reason[1..]}. The answer is {larger}.");
    }

    /// <summary>Training and held-out evaluation questions of both kinds.</summary>
    public static (List<WorkedQuestion> Train, List<WorkedQuestion> Eval) Generate(Draw draw, int trainAdditions, int trainComparisons, int evalAdditions, int evalComparisons)
    {
        var pairs = new List<(int A, int B)>();
        for (int a = 10; a <= 99; a++)
        {
            for (int b = 10; b <= 99; b++)
            {
                pairs.Add((a, b));
            }
        }

        var order = draw.Shuffle(pairs);
        var held = new HashSet<(int, int)>();
        var evalAdd = new List<WorkedQuestion>();
        var evalCompare = new List<WorkedQuestion>();
        foreach (var (a, b) in order)
        {
            if (evalAdd.Count < evalAdditions)
            {
                evalAdd.Add(Addition(a, b));
            }
            else if (evalCompare.Count < evalComparisons && a != b)
            {
                evalCompare.Add(Comparison(a, b));
            }
            else
            {
                break;
            }

            held.Add((a, b));
            held.Add((b, a));
        }
        var trainable = order.Where(p => !held.Contains(p)).ToList();
        var train = new List<WorkedQuestion>();
        train.AddRange(draw.Distinct(trainable, trainAdditions).Select(p => Addition(p.A, p.B)));
        train.AddRange(draw.Distinct(trainable.Where(p => p.A != p.B).ToList(), trainComparisons).Select(p => Comparison(p.A, p.B)));
        return (train, evalAdd.Concat(evalCompare).ToList());
    }
}
