"""``python -m qa_service``: the command line, as ``qa-service``."""

from qa_service.cli import main

if __name__ == "__main__":
    main()
