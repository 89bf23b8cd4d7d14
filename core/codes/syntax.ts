// The catalogue of syntax diagnostics (SSL001–SSL019). `ssl3d explain SSL0NN` prints the long
// form; docs/syntax.md lists them. Codes are stable: never renumber, only add.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL001',
    severity: 'error',
    title: 'unexpected token',
    messages: {
      outsideAnyDeclaration: "'{key} = …' is outside any declaration",
      topLevel: "unexpected {found} at the top level; expected a declaration such as 'dataset NAME = TYPE { … }' or an import",
      nameIsBareWord: 'the name of a {kind} is a bare word, not a string',
      afterImport: 'unexpected {found} after the import',
      keyIsPath: "a key is a single name, not the path '{key}.{after}'",
      unexpected: "unexpected '{shown}' {where}",
      tooDeep: 'blocks and lists are nested more than {max} levels deep here',
      expectedBody: "expected '{' to open the declaration body, found {found}",
      expectedType: "expected a type name after '=', found {found}",
      unexpectedToken: 'unexpected {found}{expected}',
      parserFailed: 'could not parse this file ({reason})',
      closingBraceInValue: 'expected a single value; a `}` here would end the setting and the rest would be read as new declarations',
      expectedSingleValue: 'expected a single value',
    },
    explanation: `The parser found a token that cannot appear at this point of the file.

Common causes: a setting written outside any declaration, a missing '{' after a declaration
head, or a stray word between entries.

    seed = 42                       // error: outside any declaration
    experiment demo { seed = 42 }   // fix: settings live inside a block

    dataset ukb = phantom3d         // error: the body is missing
    dataset ukb = phantom3d { anatomy = brain }

The message lists what the parser would have accepted instead.`,
  },
  {
    code: 'SSL002',
    severity: 'error',
    title: 'unterminated string',
    messages: {
      unterminatedString: 'unterminated string',
    },
    explanation: `A string starts with " but has no closing " on the same line. Strings cannot span
lines; write \\n for a line break inside a string.

    root = "data/BraTS 2018         // error
    root = "data/BraTS 2018"        // fix`,
  },
  {
    code: 'SSL003',
    severity: 'error',
    title: 'unterminated block comment',
    messages: {
      unterminatedComment: "unterminated block comment: '/*' has no matching '*/'",
    },
    explanation: `A block comment opened with /* has no closing */. Everything after the /* up to the
end of the file is ignored, so later declarations silently disappear. Block comments do not
nest: the first */ closes the comment.

    /* old settings
    dataset ukb = phantom3d { … }   // ignored: still inside the comment

    /* old settings */              // fix`,
  },
  {
    code: 'SSL004',
    severity: 'error',
    title: "missing '}'",
    messages: {
      unclosed: "unclosed '{open}': expected '{closer}' {where}",
      closedByOuter: "unclosed '{open}': expected '{closer}' before line {line}",
    },
    explanation: `A block opened with { is never closed, or it is closed by the wrong bracket. The
error points at the '{' that is left open; the note shows where the parser noticed.

    pretext rot = rotation {
      train { epochs = 10
    }                               // closes 'train', so 'pretext' stays open

Fix: add the missing '}' (here after 'epochs = 10'). 'ssl3d fmt' re-indents the file once it
parses, which makes the block structure easy to check.`,
  },
  {
    code: 'SSL005',
    severity: 'error',
    title: "missing ']'",
    messages: {
      unclosed: "unclosed '{open}': expected '{closer}' {where}",
      closedByOuter: "unclosed '{open}': expected '{closer}' before line {line}",
    },
    explanation: `A list opened with [ is never closed, or is closed by '}' instead.

    fractions = [10%, 25%, 50%      // error
    fractions = [10%, 25%, 50%]     // fix

Lists may span lines and may end with a trailing comma:

    fractions = [
      10%,
      100%,
    ]`,
  },
  {
    code: 'SSL006',
    severity: 'error',
    title: 'malformed number',
    messages: {
      malformedNumber: "malformed number '{image}'",
      outOfRange: "number '{image}' is out of range",
    },
    explanation: `A number is written as digits with an optional sign, fraction and exponent, and an
optional % or unit word after a space: 3, -0.5, 1e-3, 2.5e+2, 10%, 25 epochs, 2 mm.

    lr = 1e                         // error: the exponent has no digits
    lr = 1e-3                       // fix
    margin = 2mm                    // error: unit glued to the number
    margin = 2 mm                   // fix
    version = 1.2.3                 // error: not a number
    version = "1.2.3"               // fix: use a string
    dropout = .5                    // error: a leading digit is needed
    dropout = 0.5                   // fix

A number too large to represent (1e999) is also reported here.`,
  },
  {
    code: 'SSL007',
    severity: 'error',
    title: 'malformed size',
    messages: {
      spacedSize: "a size is written without spaces, with a plain 'x': '{size}'",
      malformedSize: "malformed size '{image}'",
    },
    explanation: `A size is two or more whole numbers joined by a lowercase x, with no spaces.

    size = 64x64x                   // error
    size = 64 x 64 x 64             // error (read as 64x64x64, so checking goes on)
    size = 64x64x64                 // fix
    size = 224x224                  // a 2D size`,
  },
  {
    code: 'SSL008',
    severity: 'error',
    title: "missing '='",
    messages: {
      expectedBeforeType: "expected '=' before the type '{type}'",
      expectedBeforeValue: "expected '=' between '{key}' and its value",
    },
    explanation: `An entry is 'key = value'. The '=' may only be left out before a block:
'key { … }' or 'key TYPE { … }'.

    epochs 10                       // error
    epochs = 10                     // fix
    optimizer adam { lr = 1e-3 }    // fine: a typed block
    optimizer = adam { lr = 1e-3 }  // the same`,
  },
  {
    code: 'SSL009',
    severity: 'error',
    title: 'unexpected character',
    messages: {
      unexpectedCharacter: "unexpected character{plural} '{shown}'",
    },
    explanation: `The file contains a character that is not part of the language: for example ':'
(use '='), single quotes (use double quotes), parentheses (use { } for blocks and [ ] for
lists), typographic quotes pasted from a word processor, or a lone '-'.

    anatomy: brain                  // error
    anatomy = brain                 // fix
    name = 'ukb'                    // error
    name = "ukb"                    // fix`,
  },
  {
    code: 'SSL010',
    severity: 'warning',
    title: 'doubled separator',
    messages: {
      beforeFirstEntry: "'{separator}' before the first entry",
      doubledSeparator: "doubled separator '{separator}'",
      beforeFirstListItem: "',' before the first list item",
      doubledListComma: "doubled ',' in a list",
    },
    explanation: `Entries are separated by newlines, ',' or ';', and list items by ','. A separator
with nothing before it is almost always a leftover from an edit; it is ignored, and
'ssl3d fmt' removes it.

    split { val = 10%,, test = 20% }   // warning
    split { val = 10%, test = 20% }    // fix
    fractions = [, 10%]                // warning`,
  },
  {
    code: 'SSL011',
    severity: 'error',
    title: 'missing value',
    messages: {
      missingValue: "missing value for '{key}'",
      hasNoValue: "'{key}' has no value",
      missingValueFound: 'missing value{forKey}: found {found}',
      empty: 'missing value',
    },
    explanation: `A key is followed by '=' (or by nothing) but no value comes before the next
separator or closing bracket.

    train { epochs = , batch = 4 }  // error
    train { epochs = 10, batch = 4 }

A value is a number (10, 1e-3, 10%, 25 epochs), a size (64x64x64), a string ("…"), a name
or dotted path (adam, dice.WT), true/false, a list ([a, b]), a range (1..4 step 1) or a
block ({ … } or TYPE { … }).`,
  },
  {
    code: 'SSL012',
    severity: 'error',
    title: 'unknown escape sequence in a string',
    messages: {
      unknownEscape: "unknown escape sequence '{escape}' in string",
    },
    explanation: `Inside a string, a backslash starts an escape. The valid escapes are \\\\ \\" \\n \\t
\\r \\0 \\uXXXX and \\u{X…}. Any other letter after a backslash is an error; this often
happens with Windows paths.

    root = "C:\\data\\brats"           // error: \\d and \\b are not escapes
    root = "C:/data/brats"          // fix: forward slashes work everywhere
    root = "C:\\\\data\\\\brats"         // or double the backslashes`,
  },
  {
    code: 'SSL013',
    severity: 'error',
    title: 'unknown declaration kind (probably misspelt)',
    messages: {
      unknownDeclarationKind: "unknown declaration kind '{kind}'",
    },
    explanation: `The first word of a declaration is its kind. The kinds are experiment, dataset,
encoder, pretext, finetune, evaluate, sweep and report. This code is given for a word that is a
close misspelling of one of them; the hint names the kind that was probably meant.

    datset ukb = phantom3d { … }    // error: did you mean 'dataset'?
    dataset ukb = phantom3d { … }   // fix`,
  },
  {
    code: 'SSL014',
    severity: 'error',
    title: 'declaration without a name',
    messages: {
      noName: 'this {kind} declaration has no name',
    },
    explanation: `Every declaration has a name, used to refer to it from other declarations and from
the command line.

    dataset = phantom3d { … }       // error
    dataset ukb = phantom3d { … }   // fix
    experiment { seed = 1 }         // error
    experiment demo { seed = 1 }    // fix`,
  },
  {
    code: 'SSL015',
    severity: 'error',
    title: "malformed import",
    messages: {
      expectedImport: "expected 'import' before the file path, found '{found}'",
      unquotedPath: "the file path after 'import' must be in double quotes",
      missingPath: "expected a file path after 'import'",
    },
    explanation: `An import is 'import "FILE.ssl"', optionally followed by 'as NAME'. It makes the
declarations of another .ssl file available; the path is relative to the importing file and
must be in double quotes. At the top level, a word followed by a string is read as an import,
so the word must be 'import'.

    improt "shared/datasets.ssl"    // error: did you mean 'import'?
    import shared/datasets.ssl      // error: the path must be quoted
    import 'shared/datasets.ssl'    // error: double quotes, not single
    import "shared/datasets.ssl"    // fix
    import "shared/datasets.ssl" as common`,
  },
  {
    code: 'SSL016',
    severity: 'error',
    title: 'dotted name used as a block type',
    messages: {
      typeIsPath: "a block type must be a single name, not the path '{path}'",
    },
    explanation: `A typed block is 'TYPE { … }' where TYPE is a single name. A dotted path can be
a value (a reference such as dice.WT) but not the type of a block.

    optimizer = torch.adam { lr = 1e-3 }   // error
    optimizer = adam { lr = 1e-3 }         // fix`,
  },
  {
    code: 'SSL017',
    severity: 'error',
    title: "missing ',' between list items",
    messages: {
      missingComma: "expected ',' between list items",
    },
    explanation: `List items are separated by commas (a trailing comma is allowed).

    regions = [1 2 4]               // error
    regions = [1, 2, 4]             // fix
    pretrain = [
      cpc3d,
      rpl3d,                        // trailing comma: fine
    ]`,
  },
  {
    code: 'SSL018',
    severity: 'error',
    title: 'unexpected end of file',
    messages: {
      unexpectedEnd: 'unexpected end of file: expected {expected}',
    },
    explanation: `The file ends in the middle of a construct, e.g. right after a declaration
head or after 'key ='. Often the file was truncated, or a block comment or string swallowed
the rest (see SSL002 and SSL003).

    dataset ukb = phantom3d         // error: the body '{ … }' is missing at the end of the file`,
  },
  {
    code: 'SSL019',
    severity: 'error',
    title: "unmatched '}' or ']'",
    messages: {
      unmatched: "unmatched '{bracket}'",
    },
    explanation: `A closing bracket has no opening bracket to match. This usually means one '}' too
many after an edit, or a block that was closed twice.

    dataset ukb = phantom3d {
      anatomy = brain
    }
    }                               // error: nothing to close

Fix: remove the extra bracket, or add the opening one it was meant to close.`,
  },
] as const satisfies readonly CodeInfo[];
