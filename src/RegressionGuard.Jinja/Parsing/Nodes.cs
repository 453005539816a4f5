namespace RegressionGuard.Jinja.Parsing;

/// <summary>A node of the template's syntax tree; <see cref="Offset"/> locates it in the template text.</summary>
abstract record Node(int Offset);

// ---------------------------------------------------------------- expressions

abstract record Expr(int Offset) : Node(Offset);

sealed record LiteralExpr(object? Value, int Offset) : Expr(Offset);

sealed record NameExpr(string Name, int Offset) : Expr(Offset);

sealed record ListExpr(IReadOnlyList<Expr> Items, bool IsTuple, int Offset) : Expr(Offset);

sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Pairs, int Offset) : Expr(Offset);

sealed record AttributeExpr(Expr Target, string Name, int Offset) : Expr(Offset);

sealed record IndexExpr(Expr Target, Expr Index, int Offset) : Expr(Offset);

sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Offset) : Expr(Offset);

sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named)
{
    public static readonly Arguments None = new(Array.Empty<Expr>(), Array.Empty<(string, Expr)>());
}

sealed record CallExpr(Expr Callee, Arguments Arguments, int Offset) : Expr(Offset);

sealed record FilterExpr(Expr Value, string Name, Arguments Arguments, int Offset) : Expr(Offset);

sealed record TestExpr(Expr Value, string Name, Arguments Arguments, bool Negated, int Offset) : Expr(Offset);

sealed record UnaryExpr(string Operator, Expr Operand, int Offset) : Expr(Offset);

sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Offset) : Expr(Offset);

/// <summary>A chain <c>a &lt; b &lt;= c</c>: each comparison must hold (operators include <c>in</c> and <c>not in</c>).</summary>
sealed record CompareExpr(Expr First, IReadOnlyList<(string Operator, Expr Operand)> Rest, int Offset) : Expr(Offset);

sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Else, int Offset) : Expr(Offset);

// ---------------------------------------------------------------- statements

abstract record Stmt(int Offset) : Node(Offset);

sealed record TextStmt(string Text, int Offset) : Stmt(Offset);

sealed record PrintStmt(Expr Value, int Offset) : Stmt(Offset);

sealed record IfStmt(IReadOnlyList<(Expr Condition, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt>? Else, int Offset) : Stmt(Offset);

/// <summary>An assignment target: names (one, or a tuple to unpack) or a namespace attribute.</summary>
abstract record Target(int Offset) : Node(Offset);

sealed record NameTarget(string Name, int Offset) : Target(Offset);

sealed record TupleTarget(IReadOnlyList<Target> Items, int Offset) : Target(Offset);

sealed record AttributeTarget(string Name, string Attribute, int Offset) : Target(Offset);

sealed record ForStmt(Target Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt>? Else, int Offset) : Stmt(Offset);

sealed record SetStmt(Target Target, Expr Value, int Offset) : Stmt(Offset);

sealed record SetBlockStmt(Target Target, IReadOnlyList<Stmt> Body, IReadOnlyList<(string Name, Arguments Arguments, int Offset)> Filters, int Offset) : Stmt(Offset);

sealed record MacroParameter(string Name, Expr? Default);

sealed record MacroStmt(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body, int Offset) : Stmt(Offset);

sealed record CallBlockStmt(CallExpr Call, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body, int Offset) : Stmt(Offset);

sealed record FilterBlockStmt(IReadOnlyList<(string Name, Arguments Arguments, int Offset)> Filters, IReadOnlyList<Stmt> Body, int Offset) : Stmt(Offset);

/// <summary>Statements rendered in place: transformers' <c>{% generation %}</c> marks assistant text and renders its body unchanged.</summary>
sealed record BlockStmt(IReadOnlyList<Stmt> Body, int Offset) : Stmt(Offset);

sealed record BreakStmt(int Offset) : Stmt(Offset);

sealed record ContinueStmt(int Offset) : Stmt(Offset);
