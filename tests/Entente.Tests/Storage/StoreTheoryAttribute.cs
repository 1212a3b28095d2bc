using System.Reflection;
using Entente.Storage;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Entente.Tests.Storage;

/// <summary>
/// A storage theory: with <see cref="BothStoresAttribute"/> it runs once per provider, the test name showing which.
/// A PostgreSQL case is skipped, saying how to run it, when no test server is configured, except under CI=true
/// where it runs and fails.
/// </summary>
[XunitTestCaseDiscoverer("Entente.Tests.Storage.StoreTheoryDiscoverer", "Entente.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StoreTheoryAttribute : TheoryAttribute;

/// <summary>Supplies each <see cref="StorageProvider"/> as the first argument of a <see cref="StoreTheoryAttribute"/> test.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class BothStoresAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) =>
        Enum.GetValues<StorageProvider>().Select(provider => new object[] { provider });
}

public sealed class StoreTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow) =>
        dataRow is [StorageProvider.PostgreSql, ..] && TestDatabases.PostgresSkipReason is { } reason
            ? CreateTestCasesForSkippedDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow, reason)
            : base.CreateTestCasesForDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow);
}

/// <summary>A fact that needs the PostgreSQL test server (skipped without one unless CI=true).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabases.PostgresSkipReason is { } reason) Skip = reason;
    }
}
