"""Regenerate docs/figures/ and the outputs of docs/tutorial.ipynb (run from anywhere:
python docs/figures/regenerate.py).

Writes the SVG figures with ``ffnn_numba.teach.figure``; where Chromium, its driver and selenium are
installed, two screenshots of the explorer page on the lecture network (explorer.png: a hidden
node, its z hovered; explorer-softmax-dZ.png: an output node, its dZ the long way, the p-sum
hovered); and executes the tutorial notebook in place with nbclient. Nothing there is edited
by hand.
"""
import shutil
import sys
import tempfile
from pathlib import Path

import ffnn_numba as ff
from ffnn_numba.teach.figure import draw
from ffnn_numba.teach.examples import lecture_network
from ffnn_numba.teach.explore import write_explorer

HERE = Path(__file__).resolve().parent
TUTORIAL = HERE.parent / "tutorial.ipynb"


def execute(path, timeout=120):
    """The notebook at ``path``, executed top to bottom in a fresh kernel (no timings)."""
    import nbclient
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def figures():
    net, X, Y = lecture_network()
    draw(net, path=HERE / "network-3-3-3-3.svg")
    draw([784, 100, 10], path=HERE / "network-784-100-10.svg")
    for name, quantity, indices in (("z", "z", dict(l=2, j=1, i=1)),
                                    ("dA_prev", "dA_prev", dict(l=3, k=2, i=1)),
                                    ("dZ-softmax", "dZ", dict(l=3, j=1, i=1, fused=False))):
        explanation = ff.explain(net, X, Y, quantity, **indices)
        draw(net, highlight=explanation, path=HERE / f"highlight-{name}.svg")


def screenshot():
    """The explorer's screenshots: explorer.png and explorer-softmax-dZ.png at 1400 px, and
    the page at the three widths its layout is tested at (390, 1024, 1400 px)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.action_chains import ActionChains
    except ImportError:
        print("no selenium: the explorer's screenshots not regenerated", file=sys.stderr)
        return
    browser, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver_path is None:
        print("no chromium or chromedriver: the explorer's screenshots not regenerated",
              file=sys.stderr)
        return

    def open_page(page, width, height):
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--force-device-scale-factor=1"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(driver_path))
        # Chromium's window is at least 500 px wide: the viewport is set exactly
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        driver.get(page.as_uri())
        return driver

    def show(driver, mode, node, equation):
        """Hover an equation of a clicked node, pin one, or step to dW^[3]."""
        if mode == "step":
            driver.find_element("css selector", "#steps button[data-key='dW'][data-l='3']").click()
            return
        driver.find_element("id", node).click()
        if mode == "pin":
            driver.find_element("id", equation).click()
        away = ("id", equation) if mode == "hover" else ("tag name", "h1")
        ActionChains(driver).move_to_element(driver.find_element(*away)).perform()

    with tempfile.TemporaryDirectory() as tmp:
        page = write_explorer(*lecture_network(), Path(tmp) / "explore.html")
        shots = [((1400, 1150), "hover", "node-2-1", "eq-z", "explorer.png"),
                 # part 3's key step: seed → softmax's p-sum → (a − y)/m
                 ((1400, 1150), "hover", "node-3-1", "eq-dZ", "explorer-softmax-dZ.png"),
                 ((390, 1500), "pin", "node-2-1", "eq-z", "explorer-390.png"),   # a phone
                 ((1024, 1100), "step", None, None, "explorer-1024.png"),
                 ((1400, 1100), "pin", "node-3-1", "eq-dZ", "explorer-1400.png")]
        for (width, height), mode, node, equation, name in shots:
            driver = open_page(page, width, height)
            try:
                show(driver, mode, node, equation)
                if width < 500:   # the figure above, the stepper and the equations below
                    driver.execute_script("document.getElementById('stepper').scrollIntoView()")
                driver.save_screenshot(str(HERE / name))
            finally:
                driver.quit()


def tutorial():
    import nbformat
    nbformat.write(execute(TUTORIAL), TUTORIAL)


if __name__ == "__main__":
    figures()
    screenshot()
    print(f"figures written to {HERE}")
    tutorial()
    print(f"{TUTORIAL} executed, outputs written")
