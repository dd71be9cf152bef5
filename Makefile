# Two commands do all set-up on a fresh machine:
#   make run    create .venv, install, fetch the models, run the station's demo
#   make test   the same set-up plus test tools, then the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODEL := var/models/yolo11n-pose.pt
# BlazePose's landmark model (heel and toe of each foot), fetched with the pose weights.
FOOT := var/models/pose_landmark_full.tflite
# RTMPose-s, the keypoint refiner (pose.refine: the runner's knees and ankles), fetched with them.
REFINER := var/models/rtmpose-s-halpe26-256x192.onnx
# The station's default model (INT8 at imgsz 320x256), which tests run as the station does
# (test_run_cli's `hipdrive run`, test_models' model check, the robustness and analyze tests).
# Made once here, as a user's first run would make it: it renders the 20 s demo clip into
# var/demo and quantizes on it (about 2.5 minutes on 2 cores).
INT8 := var/models/yolo11n-pose-320x256-int8_openvino_model

.PHONY: run test lint model clean check-arm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Torch comes in through ultralytics (about 6 GB, a few minutes the first time). The ONNX,
# OpenVINO and NCNN extras are the lean backends this machine can run, so they are installed
# and tested (NCNN with its exporter PNNX adds about 115 MB), with the offline speech of the
# voice extra (about 20 MB). --no-compile: Python compiles a module when it is first imported,
# so byte-compiling all of PyTorch's at install is time nobody needs (101 s against 219 s for
# this install, one after the other on the 2-core dev machine).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "installing hipdrive and its dependencies into $(VENV) (the first time takes a few minutes)"
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --no-compile -e '.[onnx,openvino,ncnn,voice]' --group dev
	touch $@

# One fetch makes every file (and keeps one already there and verified).
$(MODEL) $(FOOT) $(REFINER): $(VENV)/.installed
	$(BIN)/hipdrive model fetch

$(INT8): $(MODEL)
	$(BIN)/hipdrive model export --format openvino --imgsz 320x256 --int8

model: $(MODEL) $(FOOT) $(REFINER)

run: $(MODEL) $(FOOT) $(REFINER)
	$(BIN)/hipdrive demo

# The lint runs first: ruff in seconds, mypy in about 25 s cold on 2 cores. The suite runs in
# TEST_WORKERS processes (pytest-xdist), one test file to each at a time so a file's shared
# fixtures are made once: many tests wait on a live station's clock or a subprocess rather than
# compute, so two workers on 2 cores took the suite from 624 s to 348 s, every test passing. Each
# worker holds its own models (2.1 GB at most, measured); `pytest -n 0` runs it in one process.
TEST_WORKERS ?= 2
test: lint $(MODEL) $(FOOT) $(REFINER) $(INT8)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.installed
	$(BIN)/ruff check edge calibrate tests
	$(BIN)/ruff format --check edge calibrate tests
	$(BIN)/mypy

# Emulated aarch64 (the Pi 5's and the Jetson's CPU): an arm64 Debian root under qemu in var/arm,
# pip install from PyPI's aarch64 wheels, model fetch, the headless demo on NCNN (OpenVINO too with
# HIPDRIVE_ARM_BACKENDS="ncnn openvino"). As root; slow (emulated), so not part of make test. The
# exports and the demo clip are made with .venv when it exists (make model). See docs/arm.md.
check-arm:
	bash tools/check-arm.sh

clean:
	rm -rf $(VENV) var
