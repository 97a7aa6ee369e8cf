using Coffer.Core.Blobs;
using Coffer.Storage.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Coffer.Storage.Tests;

/// <summary>Settings and composition of the S3 store; no server needed.</summary>
public sealed class S3StorageOptionsTests
{
    private static ServiceProvider Compose(Dictionary<string, string?> settings, bool passSection = false)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (passSection)
            services.AddS3BlobStore(configuration.GetSection(S3StorageOptions.Section), S3StorageOptions.Section);
        else
            services.AddS3BlobStore(configuration);
        return services.BuildServiceProvider();
    }

    private static string StartupFailure(ServiceProvider services) =>
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate()).Message;

    [Fact]
    public void AddS3BlobStore_NoBucket_StartupNamesTheKey()
    {
        using var services = Compose([]);

        Assert.Contains("Coffer:Storage:S3:Bucket is required when Coffer:Storage:Provider is S3.", StartupFailure(services), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AddS3BlobStore_Valid_OneStoreServesEveryCapability(bool passSection)
    {
        using var services = Compose(new()
        {
            ["Coffer:Storage:S3:Bucket"] = "coffer",
            ["Coffer:Storage:S3:Prefix"] = "coffer/",
            ["Coffer:Storage:S3:ServiceUrl"] = "http://127.0.0.1:9",
            ["Coffer:Storage:S3:ForcePathStyle"] = "true",
            ["Coffer:Storage:S3:ServerSideEncryption"] = "aws:kms",
            ["Coffer:Storage:S3:KmsKeyId"] = "key-1",
            ["Coffer:Storage:S3:PartSizeBytes"] = "16777216",
        }, passSection);

        services.GetRequiredService<IStartupValidator>().Validate();
        var options = services.GetRequiredService<IOptions<S3StorageOptions>>().Value;
        Assert.Equal(("coffer", "coffer/", "us-east-1", 16 * 1024 * 1024), (options.Bucket, options.Prefix, options.Region, options.PartSizeBytes));
        var store = services.GetRequiredService<S3BlobStore>();
        Assert.Same(store, services.GetRequiredService<IBlobStore>());
        Assert.Same(store, services.GetRequiredService<IDirectTransferStore>());
        Assert.Same(store, services.GetRequiredService<IMultipartSweeper>());
        Assert.Equal(S3StorageOptions.MinPartSizeBytes, store.MinPartBytes);
    }

    [Fact]
    public void AddS3StoreOptions_NamedBackupSection_MessagesNameThatSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Coffer:Storage:S3:Bucket"] = "primary",
            ["Coffer:Backup:S3:PartSizeBytes"] = "1000",
        }).Build();
        var services = new ServiceCollection();
        services.AddS3StoreOptions(configuration, S3StorageOptions.Section, Options.DefaultName);
        services.AddS3StoreOptions(configuration.GetSection("Coffer:Backup:S3"), "Coffer:Backup:S3", "Coffer:Backup");
        using var provider = services.BuildServiceProvider();

        Assert.Equal("primary", provider.GetRequiredService<IOptions<S3StorageOptions>>().Value.Bucket);
        var failure = Assert.Throws<OptionsValidationException>(
            () => provider.GetRequiredService<IOptionsMonitor<S3StorageOptions>>().Get("Coffer:Backup")).Message;
        Assert.Contains("Coffer:Backup:S3:Bucket is required when Coffer:Backup:Provider is S3.", failure, StringComparison.Ordinal);
        Assert.Contains("Coffer:Backup:S3:PartSizeBytes must be between", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("Coffer:Storage", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Prefix", "/coffer/", "Coffer:Storage:S3:Prefix must not start with '/'")]
    [InlineData("Region", " ", "Coffer:Storage:S3:Region must name a region")]
    [InlineData("ServiceUrl", "127.0.0.1:9000", "Coffer:Storage:S3:ServiceUrl must be an absolute http:// or https:// URL")]
    [InlineData("ServiceUrl", "ftp://store", "Coffer:Storage:S3:ServiceUrl must be an absolute http:// or https:// URL")]
    [InlineData("ServerSideEncryption", "aes256", "Coffer:Storage:S3:ServerSideEncryption must be None, AES256 or aws:kms.")]
    [InlineData("KmsKeyId", "key-1", "Coffer:Storage:S3:KmsKeyId applies to ServerSideEncryption=aws:kms only.")]
    [InlineData("PartSizeBytes", "5242879", "Coffer:Storage:S3:PartSizeBytes must be between 5242880 (5 MiB, S3's smallest part)")]
    [InlineData("ParallelParts", "0", "Coffer:Storage:S3:ParallelParts must be between 1 and 16.")]
    public void AddS3BlobStore_BadSetting_StartupNamesTheKey(string setting, string value, string message)
    {
        using var services = Compose(new()
        {
            ["Coffer:Storage:S3:Bucket"] = "coffer",
            [$"Coffer:Storage:S3:{setting}"] = value,
        });

        Assert.Contains(message, StartupFailure(services), StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var failure = Assert.Throws<ArgumentException>(() =>
            new S3BlobStore(new S3StorageOptions { PartSizeBytes = 1 }, TimeProvider.System, NullLogger<S3BlobStore>.Instance));

        Assert.Contains("Bucket is required", failure.Message, StringComparison.Ordinal);
        Assert.Contains("PartSizeBytes", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_AreValid_AndBoundMemory()
    {
        var options = new S3StorageOptions { Bucket = "b" };

        Assert.Empty(S3StorageOptionsValidator.Problems(options));
        Assert.Equal(8 * 1024 * 1024, options.PartSizeBytes);
        Assert.Equal(S3StorageOptions.Encryption.None, options.ServerSideEncryption);
        Assert.InRange(options.ParallelParts, 2, 4);
    }

    [Theory]
    [InlineData("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")]
    [InlineData("日本語.txt", "attachment; filename=\"___.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt")]
    [InlineData("a\"b\\c%d\r\n.txt", "attachment; filename=\"a_b_c_d__.txt\"; filename*=UTF-8''a%22b%5Cc%25d%0D%0A.txt")]
    public void AttachmentDisposition_AsciiFallbackAndRfc5987Name(string name, string expected) =>
        Assert.Equal(expected, S3BlobStore.AttachmentDisposition(name));
}
