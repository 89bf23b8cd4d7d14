// The catalogue of syntax diagnostics (SSL001–SSL019). `ssl3d explain SSL0NN` prints the long
// form; docs/syntax.md lists them. Codes are stable: never renumber, only add.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL001',
    title: 'unexpected token',
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
    title: 'unterminated string',
    explanation: `A string starts with " but has no closing " on the same line. Strings cannot span
lines; write \\n for a line break inside a string.

    root = "data/BraTS 2018         // error
    root = "data/BraTS 2018"        // fix`,
  },
  {
    code: 'SSL003',
    title: 'unterminated block comment',
    explanation: `A block comment opened with /* has no closing */. Everything after the /* up to the
end of the file is ignored, so later declarations silently disappear. Block comments do not
nest: the first */ closes the comment.

    /* old settings
    dataset ukb = phantom3d { … }   // ignored: still inside the comment

    /* old settings */              // fix`,
  },
  {
    code: 'SSL004',
    title: "missing '}'",
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
    title: "missing ']'",
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
    title: 'malformed number',
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
    title: 'malformed size',
    explanation: `A size is two or more whole numbers joined by a lowercase x, with no spaces.

    size = 64x64x                   // error
    size = 64 x 64 x 64             // error (read as 64x64x64, so checking goes on)
    size = 64x64x64                 // fix
    size = 224x224                  // a 2D size`,
  },
  {
    code: 'SSL008',
    title: "missing '='",
    explanation: `An entry is 'key = value'. The '=' may only be left out before a block:
'key { … }' or 'key TYPE { … }'.

    epochs 10                       // error
    epochs = 10                     // fix
    optimizer adam { lr = 1e-3 }    // fine: a typed block
    optimizer = adam { lr = 1e-3 }  // the same`,
  },
  {
    code: 'SSL009',
    title: 'unexpected character',
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
    title: 'doubled separator (warning)',
    explanation: `Entries are separated by newlines, ',' or ';', and list items by ','. A separator
with nothing before it is almost always a leftover from an edit; it is ignored, and
'ssl3d fmt' removes it.

    split { val = 10%,, test = 20% }   // warning
    split { val = 10%, test = 20% }    // fix
    fractions = [, 10%]                // warning`,
  },
  {
    code: 'SSL011',
    title: 'missing value',
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
    title: 'unknown escape sequence in a string',
    explanation: `Inside a string, a backslash starts an escape. The valid escapes are \\\\ \\" \\n \\t
\\r \\0 \\uXXXX and \\u{X…}. Any other letter after a backslash is an error; this often
happens with Windows paths.

    root = "C:\\data\\brats"           // error: \\d and \\b are not escapes
    root = "C:/data/brats"          // fix: forward slashes work everywhere
    root = "C:\\\\data\\\\brats"         // or double the backslashes`,
  },
  {
    code: 'SSL013',
    title: 'unknown declaration kind (probably misspelt)',
    explanation: `The first word of a declaration is its kind. The kinds are experiment, dataset,
encoder, pretext, finetune, evaluate, sweep and report. This code is given for a word that is a
close misspelling of one of them; the hint names the kind that was probably meant.

    datset ukb = phantom3d { … }    // error: did you mean 'dataset'?
    dataset ukb = phantom3d { … }   // fix`,
  },
  {
    code: 'SSL014',
    title: 'declaration without a name',
    explanation: `Every declaration has a name, used to refer to it from other declarations and from
the command line.

    dataset = phantom3d { … }       // error
    dataset ukb = phantom3d { … }   // fix
    experiment { seed = 1 }         // error
    experiment demo { seed = 1 }    // fix`,
  },
  {
    code: 'SSL015',
    title: "malformed import",
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
    title: 'dotted name used as a block type',
    explanation: `A typed block is 'TYPE { … }' where TYPE is a single name. A dotted path can be
a value (a reference such as dice.WT) but not the type of a block.

    optimizer = torch.adam { lr = 1e-3 }   // error
    optimizer = adam { lr = 1e-3 }         // fix`,
  },
  {
    code: 'SSL017',
    title: "missing ',' between list items",
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
    title: 'unexpected end of file',
    explanation: `The file ends in the middle of a construct, e.g. right after a declaration
head or after 'key ='. Often the file was truncated, or a block comment or string swallowed
the rest (see SSL002 and SSL003).

    dataset ukb = phantom3d         // error: the body '{ … }' is missing at the end of the file`,
  },
  {
    code: 'SSL019',
    title: "unmatched '}' or ']'",
    explanation: `A closing bracket has no opening bracket to match. This usually means one '}' too
many after an edit, or a block that was closed twice.

    dataset ukb = phantom3d {
      anatomy = brain
    }
    }                               // error: nothing to close

Fix: remove the extra bracket, or add the opening one it was meant to close.`,
  },
] as const satisfies readonly CodeInfo[];
