using System.Runtime.CompilerServices;

namespace Coffer.Server.Tests.Infrastructure;

/// <summary>
/// Every server a test starts (in this process or as a child process) would watch its
/// appsettings files for changes, one inotify instance each; a suite that keeps dozens of servers
/// alive hits Linux's default per-user limit (128) and servers then fail to start. Tests never
/// edit those files, so the suite turns the watching off before any server is built.
/// </summary>
internal static class NoConfigWatchers
{
    [ModuleInitializer]
    internal static void TurnOff() => Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
}
