using RegressionGuard.Ledger;
using RegressionGuard.Testing;
using static RegressionGuard.Core.Tests.Ledger.LedgerSamples;

namespace RegressionGuard.Core.Tests.Ledger;

public sealed class LedgerFileTests
{
    [Test]
    public void A_SQLite_ledger_and_its_CSV_export_load_as_the_same_rows()
    {
        using var temp = new TempFolder();
        var db = temp.File("ledger.SQLite");
        using (var store = LedgerStore.Open(db))
        {
            foreach (var row in Sweep())
            {
                store.Append(row);
            }
        }

        var fromStore = LedgerFile.Load(db);
        var csv = temp.File("ledger.csv");
        LedgerCsv.Export(fromStore, csv);

        Assert.That(fromStore, Is.EquivalentTo(Sweep()));
        Assert.That(LedgerFile.Load(csv), Is.EqualTo(fromStore));
        Assert.That(LedgerHash.Of(LedgerFile.Load(csv)), Is.EqualTo(LedgerHash.Of(Sweep())));
    }

    [Test]
    public void Another_extension_is_an_error_that_lists_the_accepted_ones()
    {
        var error = Assert.Throws<LedgerException>(() => LedgerFile.Load("runs/ledger.json"));
        Assert.That(error!.Message, Is.EqualTo("runs/ledger.json: extension '.json' is not a ledger file type; accepted: .db, .sqlite, .sqlite3 (SQLite ledger) or .csv (ledger CSV)"));
    }

    [Test]
    public void A_missing_SQLite_ledger_is_not_found_rather_than_created_empty()
    {
        using var temp = new TempFolder();
        var path = temp.File("missing.db");
        Assert.Throws<FileNotFoundException>(() => LedgerFile.Load(path));
        Assert.Throws<FileNotFoundException>(() => LedgerFile.Load(temp.File("missing.csv")));
        Assert.That(File.Exists(path), Is.False);
    }
}
