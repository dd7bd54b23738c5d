# The groksweep image for Spark on Kubernetes: Spark's own image with the groksweep jar, its
# specs and logging, and S3 support (hadoop-aws with the AWS SDK it was built against).
#
#   mvn -B -DskipTests package
#   docker build -t REGISTRY/groksweep:0.2.0 .
#
# then submit with spark.kubernetes.container.image=REGISTRY/groksweep:0.2.0 and the jar as
# local:///opt/groksweep/groksweep-spark.jar (docs/CLUSTER.md, "Kubernetes").
ARG SPARK_IMAGE=apache/spark:4.2.0-scala2.13-java17-ubuntu
FROM ${SPARK_IMAGE}

# Matched to the Hadoop that Spark 4.2.0 brings (3.5.0) and the SDK hadoop-aws 3.5.0 is built on.
ARG HADOOP_AWS_VERSION=3.5.0
ARG AWS_SDK_VERSION=2.35.4

USER root
ADD https://repo1.maven.org/maven2/org/apache/hadoop/hadoop-aws/${HADOOP_AWS_VERSION}/hadoop-aws-${HADOOP_AWS_VERSION}.jar /opt/spark/jars/
ADD https://repo1.maven.org/maven2/software/amazon/awssdk/bundle/${AWS_SDK_VERSION}/bundle-${AWS_SDK_VERSION}.jar /opt/spark/jars/
COPY app/target/groksweep-spark.jar /opt/groksweep/groksweep-spark.jar
COPY conf/ /opt/groksweep/conf/
RUN chmod 644 /opt/spark/jars/hadoop-aws-*.jar /opt/spark/jars/bundle-*.jar \
    && mkdir -p /tmp/djl && chown -R spark:spark /opt/groksweep /tmp/djl

# One libtorch thread per task, DJL offline (the natives are in the jar), libtorch unpacked once
# per pod into /tmp/djl (≈430 MB: give the pods the ephemeral storage or an emptyDir there).
ENV OMP_NUM_THREADS=1 \
    DJL_OFFLINE=true \
    OPT_OUT_TRACKING=true \
    ENGINE_CACHE_DIR=/tmp/djl

WORKDIR /opt/groksweep
USER spark
