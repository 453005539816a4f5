using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RegressionGuard.Jinja.Lexing;

/// <summary>
/// Template text → tokens, with jinja2's whitespace control: <c>-</c> on a tag strips all whitespace on that side;
/// <c>trim_blocks</c> drops the first newline after a block or comment tag; <c>lstrip_blocks</c> drops spaces and tabs
/// between the start of a line and a block or comment tag; <c>+</c> turns either off for that tag.
/// </summary>
sealed partial class Lexer
{
    readonly string _source;
    readonly JinjaOptions _options;
    readonly SourceMap _map;
    readonly List<Token> _tokens = new();
    int _pos;

    Lexer(string source, JinjaOptions options, SourceMap map)
    {
        _source = source;
        _options = options;
        _map = map;
    }

    public static List<Token> Tokenize(string source, JinjaOptions options, SourceMap map)
    {
        var lexer = new Lexer(source, options, map);
        lexer.Run();
        return lexer._tokens;
    }

    [GeneratedRegex(@"\G\{%[-+]?\s*raw\s*([-+]?)%\}")]
    private static partial Regex RawBegin();

    [GeneratedRegex(@"\{%([-+]?)\s*endraw\s*([-+]?)%\}")]
    private static partial Regex RawEnd();

    void Run()
    {
        while (_pos < _source.Length)
        {
            int tag = NextTag(_pos);
            int textStart = _pos;
            if (tag < 0)
            {
                AddText(_source[_pos..], textStart);
                _pos = _source.Length;
                break;
            }

            char kind = _source[tag + 1];
            char modifier = tag + 2 < _source.Length ? _source[tag + 2] : '\0';
            bool blockLike = kind != '{';
            var text = _source[_pos..tag];
            if (modifier == '-')
            {
                text = text.TrimEnd();
            }
            else if (blockLike && _options.LstripBlocks && modifier != '+')
            {
                int lineStart = text.LastIndexOf('\n') + 1;
                bool atLineStart = lineStart > 0 || _pos == 0 || _source[_pos - 1] == '\n';
                if (atLineStart && text.AsSpan(lineStart).Trim(" \t").IsEmpty)
                {
                    text = text[..lineStart];
                }
            }
            AddText(text, textStart);

            bool rightStrip, rightPlus;
            if (kind == '#')
            {
                int close = _source.IndexOf("#}", tag + 2, StringComparison.Ordinal);
                if (close < 0)
                {
                    throw _map.Error(JinjaErrorKind.Syntax, "comment not closed: '{#' without '#}'", tag);
                }

                rightStrip = close > tag + 2 && _source[close - 1] == '-';
                rightPlus = close > tag + 2 && _source[close - 1] == '+';
                _pos = close + 2;
            }
            else if (kind == '%' && RawBegin().Match(_source, tag) is { Success: true } raw)
            {
                var end = RawEnd().Match(_source, raw.Index + raw.Length);
                if (!end.Success)
                {
                    throw _map.Error(JinjaErrorKind.Syntax, "'raw' block not closed: missing '{% endraw %}'", tag);
                }

                var content = _source[(raw.Index + raw.Length)..end.Index];
                if (raw.Groups[1].Value == "-")
                {
                    content = content.TrimStart();
                }
                else if (_options.TrimBlocks && raw.Groups[1].Value != "+")
                {
                    content = DropNewline(content);
                }
                if (end.Groups[1].Value == "-")
                {
                    content = content.TrimEnd();
                }

                AddText(content, raw.Index + raw.Length);
                rightStrip = end.Groups[2].Value == "-";
                rightPlus = end.Groups[2].Value == "+";
                _pos = end.Index + end.Length;
            }
            else
            {
                (rightStrip, rightPlus) = LexTag(tag, kind == '{');
            }

            if (rightStrip)
            {
                while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos]))
                {
                    _pos++;
                }
            }
            else if (blockLike && _options.TrimBlocks && !rightPlus)
            {
                if (_source.AsSpan(_pos).StartsWith("\r\n"))
                {
                    _pos += 2;
                }
                else if (_pos < _source.Length && _source[_pos] == '\n')
                {
                    _pos++;
                }
            }
        }
        _tokens.Add(new Token(TokenKind.End, "", _source.Length));
    }

    static string DropNewline(string text) =>
        text.StartsWith("\r\n", StringComparison.Ordinal) ? text[2..] : text.StartsWith('\n') ? text[1..] : text;

    int NextTag(int from)
    {
        int i = from;
        while (true)
        {
            i = _source.IndexOf('{', i);
            if (i < 0 || i + 1 >= _source.Length)
            {
                return -1;
            }

            char c = _source[i + 1];
            if (c is '{' or '%' or '#')
            {
                return i;
            }

            i++;
        }
    }

    void AddText(string text, int offset)
    {
        if (text.Length > 0)
        {
            _tokens.Add(new Token(TokenKind.Text, text, offset));
        }
    }

    static readonly string[] Operators =
    {
        "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|",
    };

    /// <summary>Lexes the expression tokens of one <c>{{ }}</c> or <c>{% %}</c> tag; returns its right-side modifiers.</summary>
    (bool Strip, bool Plus) LexTag(int tag, bool variable)
    {
        _tokens.Add(new Token(variable ? TokenKind.VariableBegin : TokenKind.BlockBegin, variable ? "{{" : "{%", tag));
        _pos = tag + 2;
        if (_pos < _source.Length && _source[_pos] is '-' or '+')
        {
            _pos++;
        }

        int balance = 0;
        string close = variable ? "}}" : "%}";
        while (true)
        {
            while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos]))
            {
                _pos++;
            }
            if (_pos >= _source.Length)
            {
                throw _map.Error(JinjaErrorKind.Syntax, $"tag not closed: '{(variable ? "{{" : "{%")}' without '{close}'", tag);
            }

            var rest = _source.AsSpan(_pos);
            if (balance == 0)
            {
                if (rest.StartsWith(close))
                {
                    Close(variable, _pos);
                    _pos += 2;
                    return (false, false);
                }
                if ((rest.StartsWith("-") || rest.StartsWith("+")) && rest[1..].StartsWith(close))
                {
                    Close(variable, _pos);
                    _pos += 3;
                    return (rest[0] == '-', rest[0] == '+');
                }
            }

            char c = _source[_pos];
            if (c is '\'' or '"')
            {
                LexString(c);
            }
            else if (char.IsAsciiDigit(c))
            {
                LexNumber();
            }
            else if (char.IsLetter(c) || c == '_')
            {
                int start = _pos;
                while (_pos < _source.Length && (char.IsLetterOrDigit(_source[_pos]) || _source[_pos] == '_'))
                {
                    _pos++;
                }

                _tokens.Add(new Token(TokenKind.Name, _source[start.._pos], start));
            }
            else
            {
                var op = FindOperator(_pos)
                    ?? throw _map.Error(JinjaErrorKind.Syntax, $"unexpected character '{c}'", _pos);
                balance += op is "(" or "[" or "{" ? 1 : op is ")" or "]" or "}" ? -1 : 0;
                if (balance < 0)
                {
                    throw _map.Error(JinjaErrorKind.Syntax, $"unexpected '{op}'", _pos);
                }

                _tokens.Add(new Token(TokenKind.Operator, op, _pos));
                _pos += op.Length;
            }
        }
    }

    string? FindOperator(int at)
    {
        foreach (var o in Operators)
        {
            if (_source.AsSpan(at).StartsWith(o))
            {
                return o;
            }
        }
        return null;
    }

    void Close(bool variable, int offset) =>
        _tokens.Add(new Token(variable ? TokenKind.VariableEnd : TokenKind.BlockEnd, variable ? "}}" : "%}", offset));

    void LexNumber()
    {
        int start = _pos;
        SkipDigits();
        bool isFloat = false;
        if (_pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]) && !(start > 0 && _source[start - 1] == '.'))
        {
            isFloat = true;
            _pos++;
            SkipDigits();
        }
        if (_pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            int save = _pos;
            _pos++;
            if (_pos < _source.Length && _source[_pos] is '+' or '-')
            {
                _pos++;
            }
            if (_pos < _source.Length && char.IsAsciiDigit(_source[_pos]))
            {
                isFloat = true;
                SkipDigits();
            }
            else
            {
                _pos = save;
            }
        }
        var text = _source[start.._pos].Replace("_", "", StringComparison.Ordinal);
        _tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text, start));
    }

    void SkipDigits()
    {
        while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || (_source[_pos] == '_' && _pos + 1 < _source.Length && char.IsAsciiDigit(_source[_pos + 1]))))
        {
            _pos++;
        }
    }

    /// <summary>A quoted string with Python's escapes (<c>\n \t \r \\ \' \" \xNN \uNNNN \UNNNNNNNN</c>, octal); unknown escapes stay as written.</summary>
    void LexString(char quote)
    {
        int start = _pos;
        _pos++;
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _source.Length)
            {
                throw _map.Error(JinjaErrorKind.Syntax, "string not closed", start);
            }

            char c = _source[_pos];
            if (c == quote)
            {
                _pos++;
                break;
            }
            if (c != '\\' || _pos + 1 >= _source.Length)
            {
                value.Append(c);
                _pos++;
                continue;
            }

            char e = _source[_pos + 1];
            _pos += 2;
            switch (e)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case '\\': value.Append('\\'); break;
                case '\'': value.Append('\''); break;
                case '"': value.Append('"'); break;
                case 'a': value.Append('\a'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case '\n': break;
                case 'x': AppendHex(value, 2, start); break;
                case 'u': AppendHex(value, 4, start); break;
                case 'U': AppendHex(value, 8, start); break;
                case >= '0' and <= '7':
                    int code = e - '0';
                    for (int k = 0; k < 2 && _pos < _source.Length && _source[_pos] is >= '0' and <= '7'; k++)
                    {
                        code = code * 8 + (_source[_pos++] - '0');
                    }
                    value.Append((char)code);
                    break;
                default:
                    value.Append('\\').Append(e);
                    break;
            }
        }
        _tokens.Add(new Token(TokenKind.String, value.ToString(), start));
    }

    void AppendHex(StringBuilder value, int digits, int start)
    {
        if (_pos + digits > _source.Length
            || !int.TryParse(_source.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
            || code > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF && digits == 8)
        {
            throw _map.Error(JinjaErrorKind.Syntax, $"bad \\{(digits == 2 ? 'x' : digits == 4 ? 'u' : 'U')} escape in a string", start);
        }

        value.Append(char.ConvertFromUtf32(code >= 0xD800 && code <= 0xDFFF ? 0xFFFD : code));
        _pos += digits;
    }
}
