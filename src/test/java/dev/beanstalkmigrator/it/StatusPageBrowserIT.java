package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.testing.OperatorProcess;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real browser: Debian's headless Chromium, driven by its chromedriver through Selenium, on
 * the packaged operator in sandbox mode ({@code java -Dquarkus.profile=sandbox -jar quarkus-run.jar}, its embedded
 * simulated AWS on a free port, seeded from {@code config/sandbox.yaml}). The plan file is edited as a newcomer
 * edits it, so that {@code acme-web-staging} migrates {@code v43-broken}, whose task exits 1; the page, opened once
 * and never reloaded by the test, shows the failure with its exit code and log tail when it refreshes itself. At
 * a phone's width nothing scrolls sideways. Screenshots go to {@code target/status-page.png} (the README's) and
 * {@code target/status-page-phone.png}.
 *
 * <p>The browser is never downloaded: the test uses {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}
 * (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run} installs) and fails, saying so,
 * when they are missing.
 */
class StatusPageBrowserIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path WORK = Path.of("target/status-page-browser-it");
    static final Path SCREENSHOT = Path.of("target/status-page.png");
    static final Path PHONE_SCREENSHOT = Path.of("target/status-page-phone.png");
    /** No secret among its variables, so its log tail is kept (a secret's environment has it withheld). */
    static final String ENV = "acme-web-staging";
    static final String FAILING_LINE = "django.db.utils.ProgrammingError: relation \"invoices_currency\" already exists";

    @TempDir
    Path temp;

    OperatorProcess operator;
    ChromeDriverService chromedriver;
    ChromeDriver browser;

    @BeforeEach
    void start() throws IOException {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "the status page is tested in"
                + " Debian's headless Chromium: install it with `apt-get install chromium chromium-driver` (.ci/run"
                + " does), so that " + CHROMIUM + " and " + CHROMEDRIVER + " exist");
        assertTrue(Files.isRegularFile(OperatorProcess.JAR), OperatorProcess.JAR
                + " is missing: run the package phase first");
        Files.createDirectories(WORK);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (chromedriver != null) {
            chromedriver.stop();
        }
        if (operator != null) {
            operator.destroy();
        }
    }

    @Test
    void aFailedMigrationAppearsWithItsLogTailWhenThePageRefreshesItselfAndFitsAPhone() throws Exception {
        Path plan = temp.resolve("desired-state.yaml");
        String original = Files.readString(Path.of("config/desired-state.yaml"), StandardCharsets.UTF_8);
        Files.writeString(plan, original);
        int httpPort = OperatorProcess.freePort();
        operator = OperatorProcess.start(OperatorProcess.JAR, httpPort, List.of(
                "-Dquarkus.profile=sandbox",
                "-Dmigrator.sandbox.port=" + OperatorProcess.freePort(),
                "-Dmigrator.sandbox.seed=" + Path.of("config/sandbox.yaml").toAbsolutePath(),
                "-Dmigrator.sandbox.plan=" + plan.toAbsolutePath()), Map.of(), WORK.resolve("operator.log"), false);
        await("the operator to be ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    assertTrue(operator.isAlive(), () -> "the operator exited: " + operator.tail(40));
                    return operator.ready();
                });

        browser = startBrowser(1280, 900);
        browser.get("http://127.0.0.1:" + httpPort + "/");
        await(ENV + " to be Ready with v41").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsInstanceOf(WebDriverException.class)
                .until(() -> "Ready".equals(browser.findElement(By.id("env-" + ENV)).getAttribute("data-state"))
                        && !browser.findElements(By.cssSelector(
                                "#env-" + ENV + " tr.migration[data-version=v41][data-phase=Succeeded]")).isEmpty());
        String firstRevision = browser.findElement(By.id("plan-revision")).getText();

        // As a newcomer does: staging, which followed what Elastic Beanstalk runs, is to migrate v43-broken.
        String broken = original.replaceFirst("(?m)^(\\s+)version: deployed$", "$1version: v43-broken");
        assertFalse(broken.equals(original), "config/desired-state.yaml has " + ENV + " follow deployed");
        Files.writeString(plan, broken);

        // No reload from here on: only the page's own refresh can bring the failure.
        WebElement tail = await("the failed migration's log tail on the page").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(WebDriverException.class)
                .until(() -> browser.findElement(By.cssSelector("#env-" + ENV + " pre.log-tail")),
                        e -> e.getText().contains(FAILING_LINE));
        await("the failure's details").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() -> {
                    WebElement environment = browser.findElement(By.id("env-" + ENV));
                    assertEquals("Failed", environment.getAttribute("data-state"));
                    assertEquals("Failed", environment.findElement(By.cssSelector("h2 .badge")).getText());
                    assertTrue(environment.findElement(By.cssSelector("p.why")).getText()
                            .startsWith("MigrationFailed"), environment.getText());
                    assertEquals("v43-broken", environment.findElement(By.cssSelector(".desired")).getText());
                    WebElement row = environment.findElement(By.cssSelector("tr.migration[data-version=v43-broken]"));
                    assertEquals("Failed", row.findElement(By.cssSelector(".phase")).getText());
                    assertEquals("1", row.findElement(By.cssSelector(".exit-code")).getText());
                    assertEquals("Essential container in task exited", row.findElement(By.cssSelector(".reason"))
                            .getText());
                    assertTrue(environment.findElement(By.cssSelector("pre.log-tail")).getText()
                            .contains("Applying invoices.0043_invoice_currency..."));
                    assertFalse(browser.findElement(By.id("plan-revision")).getText().equals(firstRevision),
                            "the page shows the new plan's revision");
                    String holder = browser.findElement(By.cssSelector("#lease .holder")).getText();
                    assertTrue(holder.matches("sandbox-operator_[0-9a-f-]{36}"), holder);
                });
        screenshot(SCREENSHOT);

        // A phone: one column, nothing wider than the screen.
        browser.manage().window().setSize(new Dimension(390, 844));
        await("the page to fit 390 px").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() -> {
                    Map<?, ?> widths = (Map<?, ?>) ((JavascriptExecutor) browser).executeScript(
                            "return {scroll: document.documentElement.scrollWidth, window: window.innerWidth};");
                    long window = ((Number) widths.get("window")).longValue();
                    long scroll = ((Number) widths.get("scroll")).longValue();
                    assertTrue(window <= 400, "the window is phone-sized: " + widths);
                    assertTrue(scroll <= window, "no horizontal scroll at a phone's width: " + widths);
                    assertEquals("none", browser.findElement(By.cssSelector("#env-" + ENV + " table.history thead"))
                            .getCssValue("display"), "the history is stacked, not a table");
                    assertTrue(browser.findElement(By.cssSelector("#env-" + ENV + " pre.log-tail")).getText()
                            .contains(FAILING_LINE));
                });
        screenshot(PHONE_SCREENSHOT);

        // The preview the plan shows commented out, on staging, and a version whose preview drops a column: the page
        // shows the output and the line to commit, and still fits the phone.
        String previewing = broken.replace("version: v43-broken", "version: v43-risky")
                .replace("      # preview: {command:", "      preview: {command:");
        assertTrue(previewing.contains("      preview: {command:"), "config/desired-state.yaml shows a preview");
        Files.writeString(plan, previewing);
        WebElement line = await("the line to commit on the page").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(WebDriverException.class)
                .until(() -> browser.findElement(By.cssSelector("#env-" + ENV + " code.approval-line")),
                        e -> e.getText().matches("approved: \\[sha256:[0-9a-f]{64}\\]"));
        assertTrue(line.isDisplayed());
        await("the preview to fit 390 px").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() -> {
                    assertTrue(browser.findElement(By.cssSelector("#env-" + ENV + " pre.preview-output")).getText()
                            .contains("Remove field legacy_number from invoice"));
                    assertEquals("Pending", browser.findElement(By.id("env-" + ENV)).getAttribute("data-state"));
                    Map<?, ?> widths = (Map<?, ?>) ((JavascriptExecutor) browser).executeScript(
                            "return {scroll: document.documentElement.scrollWidth, window: window.innerWidth};");
                    assertTrue(((Number) widths.get("scroll")).longValue()
                            <= ((Number) widths.get("window")).longValue(), "no horizontal scroll: " + widths);
                });
    }

    ChromeDriver startBrowser(int width, int height) throws IOException {
        // Never Selenium Manager: the driver and the browser are the machine's, named here.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        chromedriver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(WORK.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=" + width + "," + height, "--hide-scrollbars",
                        "--user-data-dir=" + temp.resolve("chromium-profile").toAbsolutePath());
        return new ChromeDriver(chromedriver, options);
    }

    /**
     * The whole page, not only the window: once the page (which may just have refreshed) is loaded and shows the
     * failure, Chromium's own screenshot command captures it to its full height.
     */
    void screenshot(Path file) throws IOException {
        Map<String, Object> size = await("a loaded page to photograph").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50)).ignoreExceptionsInstanceOf(WebDriverException.class)
                .until(() -> {
                    boolean loaded = "complete".equals(browser.executeScript("return document.readyState"))
                            && browser.findElement(By.cssSelector("#env-" + ENV + " pre.log-tail")).isDisplayed();
                    @SuppressWarnings("unchecked")
                    Map<String, Object> measured = loaded ? (Map<String, Object>) browser.executeScript(
                            "return {width: document.documentElement.scrollWidth,"
                                    + " height: document.documentElement.scrollHeight};") : null;
                    return measured;
                }, m -> m != null);
        Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", size.get("width"),
                        "height", size.get("height"), "scale", 1)));
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }
}
