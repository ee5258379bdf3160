from tests.robustness.fuzz import OUTCOMES


def pytest_terminal_summary(terminalreporter):
    if sum(OUTCOMES.values()):
        terminalreporter.write_line(f"robustness fuzz cases: {OUTCOMES['refused']} refused, "
                                    f"{OUTCOMES['ran']} validated and ran")
