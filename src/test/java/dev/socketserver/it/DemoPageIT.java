package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.NodeProject;
import dev.socketserver.testing.Tokens;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The demo page ({@code /demo/}) in a real browser: Debian's headless Chromium driven by
 * Selenium through the system chromedriver. Without them the test is skipped, saying how to
 * install them ({@code .ci/run} installs them, so CI always runs it). Screenshots go to
 * {@code target/demo-page*.png}.
 */
class DemoPageIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void theDemoIsOffUnlessEnabled() throws Exception {
        try (EmbeddedJetty server = EmbeddedJetty.start(EmbeddedJetty.defaults())) {
            assertEquals(404, get(server, "/demo/").statusCode());
            assertEquals(404, get(server, "/WEB-INF/demo/index.html").statusCode());
        }
    }

    @Test
    void theDemoServesThePageAndTheClientAndNothingElse() throws Exception {
        try (EmbeddedJetty server = EmbeddedJetty.start(demoSettings())) {
            HttpResponse<String> page = get(server, "/demo/");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            HttpResponse<String> lib = get(server, "/demo/lib/index.js");
            assertEquals(200, lib.statusCode());
            assertEquals(Files.readString(NodeProject.repositoryDir().resolve("clients/js/src/index.js")), lib.body(),
                    "the page runs the client library itself");
            assertEquals(302, get(server, "/demo").statusCode());
            assertEquals(404, get(server, "/demo/missing.js").statusCode());
            int traversal = get(server, "/demo/%2e%2e/WEB-INF/web.xml").statusCode();
            assertTrue(traversal == 400 || traversal == 404, "no way out of the demo folder: " + traversal);
            assertEquals(404, get(server, "/demo/lib/index.d.ts").statusCode());
        }
    }

    @Test
    void aPersonSeesNotificationsAReconnectAndTheRecoveredNotification() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "headless Chromium is not installed, so the demo page's browser test is skipped: "
                        + "install it with 'apt-get install -y chromium chromium-driver' (.ci/run does)");
        try (EmbeddedJetty server = EmbeddedJetty.start(demoSettings());
                GrpcClient grpc = new GrpcClient(server.port())) {
            WebDriver browser = chromium();
            try {
                // A long first reconnect delay, so that the page visibly waits and a publication
                // made meanwhile can only reach it through recovery.
                browser.get("http://127.0.0.1:" + server.port() + "/demo/?minDelay=4000&t=" + Tokens.forUser("alice"));
                awaitText(browser, "state", "connected");
                // The API key lets the page ask for presence and publish (mvn -Pdev needs none).
                browser.findElement(By.id("api-key")).sendKeys(GrpcClient.API_KEY);
                WebElement room = browser.findElement(By.id("room-input"));
                room.clear();
                room.sendKeys("orders");
                browser.findElement(By.id("enter-button")).click();
                await().atMost(WAIT).until(() -> text(browser, "rooms").contains("orders"));
                await().atMost(WAIT).until(() -> text(browser, "presence").contains("alice"));

                grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setRoom("orders")
                        .setBase(GrpcClient.info("order-1", "first shipped")).build());
                await().atMost(WAIT).until(() -> text(browser, "notifications").contains("first shipped"));
                assertTrue(text(browser, "notifications").contains("room orders · offset 1"), text(browser, "notifications"));
                assertTrue(text(browser, "rooms").contains("offset 1"), text(browser, "rooms"));

                grpc.stub().disconnect(DisconnectRequest.newBuilder().setUserId("alice").setReconnect(true).build());
                awaitText(browser, "state", "disconnected");
                assertTrue(text(browser, "countdown").startsWith("reconnecting in"), text(browser, "countdown"));
                assertTrue(text(browser, "log").contains("disconnected (close 4005"), text(browser, "log"));
                screenshot(browser, "demo-page-disconnected.png");
                grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setRoom("orders")
                        .setBase(GrpcClient.info("order-2", "missed while away")).build());
                assertEquals("disconnected", text(browser, "state"), "published while the page was away");

                awaitText(browser, "state", "connected");
                await().atMost(WAIT).until(() -> text(browser, "notifications").contains("missed while away"));
                assertTrue(text(browser, "log").contains("room orders: recovered, nothing missed"), text(browser, "log"));
                assertTrue(text(browser, "notifications").contains("room orders · offset 2"), text(browser, "notifications"));
                assertEquals(2, browser.findElements(By.cssSelector("#notifications li[data-room=orders]")).size(),
                        "each notification once");

                // The publish form, through the HTTP API.
                WebElement text = browser.findElement(By.id("publish-text"));
                text.clear();
                text.sendKeys("from the form");
                browser.findElement(By.id("publish-button")).click();
                await().atMost(WAIT).until(() -> text(browser, "notifications").contains("from the form"));
                assertTrue(text(browser, "publish-result").contains("offset 3"), text(browser, "publish-result"));
                screenshot(browser, "demo-page.png");
            } catch (RuntimeException | AssertionError e) {
                screenshot(browser, "demo-page-failure.png");
                throw e;
            } finally {
                browser.quit();
            }
        }
    }

    private static Map<String, String> demoSettings() {
        Map<String, String> settings = EmbeddedJetty.defaults();
        settings.put("DEMO_ENABLED", "true");
        return settings;
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--no-first-run", "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String text(WebDriver browser, String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static void awaitText(WebDriver browser, String id, String expected) {
        await().atMost(WAIT).until(() -> text(browser, id).equals(expected));
    }

    private static void screenshot(WebDriver browser, String name) throws IOException {
        Path png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, EmbeddedJetty.war().toAbsolutePath().getParent().resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static HttpResponse<String> get(EmbeddedJetty server, String path) throws Exception {
        // HTTP/1.1 as a browser speaks it over plain http (the JDK's default h2c upgrade of a GET
        // answered 404 was once reset by the server: "Received RST_STREAM: Stream cancelled").
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
